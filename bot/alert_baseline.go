package bot

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// announceBaseline sums up the first run's quiet alerts instead of posting
// them: one message in the alert channel (sum.Baseline: the rules routed
// there) and one DM to each owner about their own accounts (the rules
// routed to DMs). A failed post is logged; its alerts stay recorded.
func (a *Alerts) announceBaseline(ctx context.Context, w *alertWorld, changes []alertChange, sum *AlertRunSummary) {
	if a.channel != "" && sum.Baseline.Total() > 0 {
		b := sum.Baseline
		if _, _, err := a.postTo(ctx, a.channel, blocks.AlertBaselineText(b), blocks.AlertBaselineBlocks(b), ""); err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "first alert run: channel summary not posted", "channel", a.channel, "alerts", b.Total(), "err", err)
		} else {
			sum.Posted++
		}
	}
	byOwner := map[int64][]alertChange{}
	for _, c := range changes {
		if owner := w.byID[c.rec.AccountID].Owner; owner.ID != 0 && quietFire(c) && a.routes.For(c.rec.Kind).DM() {
			byOwner[owner.ID] = append(byOwner[owner.ID], c)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byOwner)) {
		owner := w.byID[byOwner[id][0].rec.AccountID].Owner
		user, err := a.owners.SlackID(ctx, owner)
		if err != nil || user == "" {
			a.log.InfoContext(ctx, "first alert run: owner not reachable in Slack; no summary DM", "csm", id, "err", err)
			continue
		}
		b := baselineOf(w.ownedAlive(id), byOwner[id], quietFire)
		b.Yours = true
		if _, _, err := a.postTo(ctx, user, blocks.AlertBaselineText(b), blocks.AlertBaselineBlocks(b), ""); err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "first alert run: owner summary not sent", "csm", id, "user", user, "err", err)
			continue
		}
		sum.Posted++
	}
}

// quietFire reports whether c is an alert the first run recorded quietly.
func quietFire(c alertChange) bool { return c.action == scoring.ActionFire && c.rec.Quiet }

// baselineOf counts the changes keep accepts per rule, most first.
func baselineOf(accounts int, changes []alertChange, keep func(alertChange) bool) blocks.AlertBaseline {
	counts := map[scoring.AlertKind]int{}
	for _, c := range changes {
		if keep(c) {
			counts[c.rec.Kind]++
		}
	}
	b := blocks.AlertBaseline{Accounts: accounts}
	for k, n := range counts {
		b.Kinds = append(b.Kinds, blocks.AlertKindCount{Kind: k, Alerts: n})
	}
	slices.SortFunc(b.Kinds, func(x, y blocks.AlertKindCount) int {
		return cmp.Or(y.Alerts-x.Alerts, cmp.Compare(x.Kind, y.Kind))
	})
	return b
}

// ownedAlive counts the owner's accounts alive on the run's day.
func (w *alertWorld) ownedAlive(ownerID int64) int {
	n := 0
	for _, acct := range w.accounts {
		if acct.Owner.ID == ownerID && acct.AliveAt(w.at) {
			n++
		}
	}
	return n
}
