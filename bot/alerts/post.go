package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// deliver takes the run's stored decisions to Slack: new alerts are
// posted, resolved ones updated, reopened ones updated and re-posted in
// their threads.
func (a *Alerts) deliver(ctx context.Context, w *app.AlertWorld, changes []app.AlertChange, b *dmBudget, sum *AlertRunSummary) {
	// The most pressing first, so the week's DM budget goes to them.
	changes = byPriority(changes, w, a.now())
	for _, c := range changes {
		acct := w.ByID[c.Rec.AccountID]
		m := a.Message(c.Rec, acct, w.Current(acct.ID))
		switch c.Action {
		case scoring.ActionFire:
			if !c.Rec.Quiet { // quiet ones are in the baseline summary
				a.post(ctx, c.Rec, m, acct, b, sum)
			}
		case scoring.ActionResolve:
			m.Resolution = resolution(c.Summary, w.Today[c.Rec.AccountID])
			a.updateAll(ctx, c.Rec, m, nil, sum)
		case scoring.ActionReopen:
			if c.Rec.MessageTS == "" && c.Rec.DMMessageTS == "" {
				a.post(ctx, c.Rec, m, acct, b, sum)
				continue
			}
			m.Note = "snooze ended " + shortDay(a.now().In(a.loc))
			a.updateAll(ctx, c.Rec, m, nil, sum)
			a.replyAll(ctx, c.Rec, blocks.AlertStillText(m), sum)
		}
	}
}

// retryUnposted posts live alerts of the last RetryUnpostedDays whose
// channel message or DM is missing (a failed post, or an owner reachable
// only now); alerts this run already tried are left alone.
func (a *Alerts) retryUnposted(ctx context.Context, w *app.AlertWorld, changes []app.AlertChange, now time.Time, b *dmBudget, sum *AlertRunSummary) {
	recs, err := a.store.UnpostedAlerts(ctx, now.AddDate(0, 0, -RetryUnpostedDays))
	if err != nil {
		a.log.ErrorContext(ctx, "cannot list unposted alerts; they are tried again next run", "err", err)
		return
	}
	tried := make(map[int64]bool, len(changes))
	for _, c := range changes {
		tried[c.Rec.ID] = true
	}
	for _, rec := range recs {
		if tried[rec.ID] {
			continue
		}
		acct, ok := w.ByID[rec.AccountID]
		if !ok {
			continue
		}
		a.post(ctx, rec, a.Message(rec, acct, w.Current(acct.ID)), acct, b, sum)
	}
}

// post sends an alert where its rule routes it and it is not yet posted,
// and records the messages. The owner's DM counts against their weekly
// budget b; past it, the alert waits for the run's summary DM.
func (a *Alerts) post(ctx context.Context, rec store.AlertRecord, m blocks.AlertMessage, acct scoring.Account, b *dmBudget, sum *AlertRunSummary) {
	owner := acct.Owner
	route := a.routes.For(rec.Kind)
	text, bs := blocks.AlertText(m), blocks.AlertBlocks(m)
	changed := false
	if route.Channel() && a.channel != "" && rec.MessageTS == "" {
		ch, ts, err := a.postTo(ctx, a.channel, text, bs, "")
		if err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "alert not posted to the alert channel; tried again next run", "alert", rec.ID, "channel", a.channel, "err", err)
		} else {
			rec.ChannelID, rec.MessageTS, changed = ch, ts, true
			sum.Posted++
		}
	}
	if route.DM() && rec.DMMessageTS == "" {
		user, err := a.owners.SlackID(ctx, owner)
		switch {
		case err != nil:
			sum.Failed++
			a.log.ErrorContext(ctx, "cannot find the owner in Slack; DM tried again next run", "alert", rec.ID, "csm", owner.ID, "err", err)
		case user == "":
			a.log.DebugContext(ctx, "alert owner not reachable in Slack; no DM", "alert", rec.ID, "account", rec.AccountID)
		case a.guard != nil && a.guard.CheckUser(ctx, user) != nil:
			a.log.WarnContext(ctx, "alert owner may not see account data in Slack (guest or outsider); no DM", "alert", rec.ID, "user", user)
		default:
			if !b.take(ctx, rec, m, acct, user, sum) {
				break // in the summary DM, or summed up already
			}
			ch, ts, err := a.postTo(ctx, user, text, bs, "")
			if err != nil {
				b.giveBack(user)
				sum.Failed++
				a.log.ErrorContext(ctx, "alert DM not sent; tried again next run", "alert", rec.ID, "user", user, "err", err)
			} else {
				rec.DMChannelID, rec.DMMessageTS, changed = ch, ts, true
				sum.Posted++
				b.sent(ctx, rec, acct, user)
			}
		}
	}
	if !changed {
		return
	}
	if err := a.store.SetAlertMessages(ctx, rec.ID, rec.ChannelID, rec.MessageTS, rec.DMChannelID, rec.DMMessageTS); err != nil {
		a.log.ErrorContext(ctx, "alert posted but its messages not recorded; later changes will not update them", "alert", rec.ID, "err", err)
	}
}

// refs lists where an alert was posted, plus extra (the clicked message,
// should it be another), each once.
func refs(rec store.AlertRecord, extra *chat.MessageRef) []chat.MessageRef {
	rs := []chat.MessageRef{{Channel: rec.ChannelID, TS: rec.MessageTS}, {Channel: rec.DMChannelID, TS: rec.DMMessageTS}}
	if extra != nil {
		rs = append(rs, *extra)
	}
	return chat.UniqueRefs(rs...)
}

// updateAll rewrites every message of the alert to m.
func (a *Alerts) updateAll(ctx context.Context, rec store.AlertRecord, m blocks.AlertMessage, extra *chat.MessageRef, sum *AlertRunSummary) {
	text, bs := blocks.AlertText(m), blocks.AlertBlocks(m)
	for _, r := range refs(rec, extra) {
		err := a.retry.Do(ctx, func(ctx context.Context) error {
			_, _, _, err := a.slack.UpdateMessageContext(ctx, r.Channel, r.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...))
			return err
		})
		if err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "alert message not updated", "alert", rec.ID, "channel", r.Channel, "ts", r.TS, "err", err)
			continue
		}
		sum.Updated++
	}
}

// replyAll posts text in the thread of every message of the alert.
func (a *Alerts) replyAll(ctx context.Context, rec store.AlertRecord, text string, sum *AlertRunSummary) {
	for _, r := range refs(rec, nil) {
		if _, _, err := a.postTo(ctx, r.Channel, text, nil, r.TS); err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "alert thread reply not posted", "alert", rec.ID, "channel", r.Channel, "err", err)
			continue
		}
		sum.Posted++
	}
}

// postTo posts one message, waiting out rate limits. Nothing goes to the
// alert channel once it is shared with another organisation.
func (a *Alerts) postTo(ctx context.Context, channel, text string, bs []slack.Block, threadTS string) (string, string, error) {
	if a.guard != nil && channel == a.channel {
		if err := a.guard.CheckChannel(ctx, channel); err != nil {
			return "", "", fmt.Errorf("HEALTHBOT_ALERT_CHANNEL: %w", err)
		}
	}
	var ch, ts string
	err := a.retry.DoFinishing(ctx, func(ctx context.Context) error { // recorded as posted: finish it
		var err error
		ch, ts, err = a.slack.PostMessageContext(ctx, channel, msgOptions(text, bs, threadTS)...)
		return err
	})
	return ch, ts, err
}

// Message is what the alert's Slack message shows, times in the alerts'
// zone; the demo prints alerts with it too.
func (a *Alerts) Message(rec store.AlertRecord, acct scoring.Account, score scoring.Score) blocks.AlertMessage {
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(a.loc)
	}
	return blocks.AlertMessage{
		ID: rec.ID, Account: acct, Score: score, Kind: rec.Kind, Summary: rec.Summary, State: rec.State,
		FiredAt: in(rec.FiredAt), SnoozedUntil: in(rec.SnoozedUntil), ResolvedAt: in(rec.ResolvedAt),
		ActedBy: rec.ActedBy, AssignedTo: rec.AssignedTo,
	}
}

func shortDay(t time.Time) string { return t.Format("Jan 2") }

// msgOptions is a post's text, blocks (if any) and thread (if any).
func msgOptions(text string, bs []slack.Block, threadTS string) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(bs) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(bs...))
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return opts
}
