package alerts

import (
	"cmp"
	"context"
	"maps"
	"slices"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// announceBaseline sums up the first run's quiet alerts instead of posting
// them: one message in the alert channel (sum.Baseline: the rules routed
// there) and one DM to each owner about their own accounts (the rules
// routed to DMs). A failed post is logged; its alerts stay recorded.
func (a *Alerts) announceBaseline(ctx context.Context, w *app.AlertWorld, changes []app.AlertChange, sum *AlertRunSummary) {
	if a.channel != "" && sum.Baseline.Total() > 0 {
		b := sum.Baseline
		if _, _, err := a.postTo(ctx, a.channel, blocks.AlertBaselineText(b), blocks.AlertBaselineBlocks(b), ""); err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "first alert run: channel summary not posted", "channel", a.channel, "alerts", b.Total(), "err", err)
		} else {
			sum.Posted++
		}
	}
	byOwner := map[int64][]app.AlertChange{}
	for _, c := range changes {
		if owner := w.ByID[c.Rec.AccountID].Owner; owner.ID != 0 && quietFire(c) && a.routes.For(c.Rec.Kind).DM() {
			byOwner[owner.ID] = append(byOwner[owner.ID], c)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(byOwner)) {
		owner := w.ByID[byOwner[id][0].Rec.AccountID].Owner
		user, err := a.owners.SlackID(ctx, owner)
		if err != nil || user == "" {
			a.log.InfoContext(ctx, "first alert run: owner not reachable in Slack; no summary DM", "csm", id, "err", err)
			continue
		}
		b := baselineOf(w.OwnedAlive(id), byOwner[id], quietFire)
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
func quietFire(c app.AlertChange) bool { return c.Action == scoring.ActionFire && c.Rec.Quiet }

// baselineOf counts the changes keep accepts per rule, most first.
func baselineOf(accounts int, changes []app.AlertChange, keep func(app.AlertChange) bool) blocks.AlertBaseline {
	counts := map[scoring.AlertKind]int{}
	for _, c := range changes {
		if keep(c) {
			counts[c.Rec.Kind]++
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
