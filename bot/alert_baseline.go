package bot

import (
	"cmp"
	"context"
	"slices"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// announceBaseline posts the first run's summary to the alert channel:
// how many accounts are watched and how many alerts of each rule hold
// already, recorded without a message each. Without an alert channel
// nothing is posted: the alerts show on the accounts' cards.
func (a *Alerts) announceBaseline(ctx context.Context, sum *AlertRunSummary) {
	if a.channel == "" {
		a.log.InfoContext(ctx, "first alert run: alerts recorded without posting (no HEALTHBOT_ALERT_CHANNEL for the summary)", "alerts", sum.Quiet)
		return
	}
	b := sum.Baseline
	if _, _, err := a.postTo(ctx, a.channel, blocks.AlertBaselineText(b), blocks.AlertBaselineBlocks(b), ""); err != nil {
		sum.Failed++
		a.log.ErrorContext(ctx, "first alert run: summary not posted; its alerts stay recorded without messages", "channel", a.channel, "alerts", sum.Quiet, "err", err)
		return
	}
	sum.Posted++
}

// baselineOf counts the quiet alerts of a run per rule, most first.
func baselineOf(accounts int, changes []alertChange) blocks.AlertBaseline {
	counts := map[scoring.AlertKind]int{}
	for _, c := range changes {
		if c.action == scoring.ActionFire && c.rec.Quiet {
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
