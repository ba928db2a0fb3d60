package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// UseScorecards makes the following runs evaluate with cards (the
// scoring job passes the scorecards in force, read at each of its runs, so
// an approved version's rules and band lines apply without a restart).
// Call it between runs, not during one.
func (a *Alerts) UseScorecards(cards scoring.Scorecards) {
	if !cards.IsZero() {
		a.cards = cards
	}
}

// RecordOn makes Acknowledge and Assign write to t's account timelines
// (wired after the router has the timeline; nil: not recorded).
func (a *Alerts) RecordOn(t Timeline) { a.timeline = t }

// AlertRunSummary is what one run did.
type AlertRunSummary struct {
	Accounts int // alive accounts evaluated
	Fired    int
	Quiet    int // of Fired, recorded by the first run and summed up instead of posted
	// Baseline sums up the quiet alerts routed to the channel per rule:
	// the first run's one channel message (owners get their own DM).
	Baseline blocks.AlertBaseline
	Resolved int
	Reopened int
	Posted   int // new Slack messages (channel, DMs, thread replies)
	Updated  int // Slack messages updated
	// OverBudget is how many owner DMs the weekly budget turned into lines
	// of a summary DM; Summaries how many summary DMs were sent.
	OverBudget int
	Summaries  int
	Failed     int // posts or updates that failed; posts are tried again next run
	Took       time.Duration
}

// EvaluateAndPostAlerts runs every alert rule over the portfolio as scored
// on day (call it right after RunScoring for that day), stores the
// decisions (each on its own; a live duplicate is never fired twice, so
// replicas are safe), then posts what fired, updates the messages of what
// resolved and re-posts what a snooze no longer hides. Slack failures do
// not fail the run: failed posts are retried by the next one. The first
// run on a portfolio (no alert ever recorded) records what fires quietly
// and posts one summary instead, unless PostFirstRun is set.
func (a *Alerts) EvaluateAndPostAlerts(ctx context.Context, day time.Time) (AlertRunSummary, error) {
	start := time.Now()
	now := a.now()
	w, err := app.GatherAlerts(ctx, a.store, a.cards, scoring.Day(day), now)
	if err != nil {
		return AlertRunSummary{}, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	quiet := false
	if !a.postFirst {
		seen, err := a.store.AnyAlert(ctx)
		if err != nil {
			return AlertRunSummary{}, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
		}
		quiet = !seen
	}
	sum := AlertRunSummary{Accounts: w.Alive}
	changes, n, err := app.ApplyAlerts(ctx, a.store, w, a.cards, now, quiet)
	sum.Fired, sum.Quiet, sum.Resolved, sum.Reopened = n.Fired, n.Quiet, n.Resolved, n.Reopened
	if err != nil {
		return sum, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	if sum.Quiet > 0 {
		sum.Baseline = baselineOf(w.Alive, changes, func(c app.AlertChange) bool {
			return quietFire(c) && a.routes.For(c.Rec.Kind).Channel()
		})
	}
	if a.slack != nil {
		if sum.Quiet > 0 {
			a.announceBaseline(ctx, w, changes, &sum)
		}
		b, err := a.newDMBudget(ctx, now)
		if err != nil {
			return sum, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
		}
		a.deliver(ctx, w, changes, b, &sum)
		a.retryUnposted(ctx, w, changes, now, b, &sum)
		a.sendSummaries(ctx, b, &sum)
	}
	sum.Took = time.Since(start)
	a.log.InfoContext(ctx, "alerts evaluated", "day", scoring.Day(day).Format(time.DateOnly), "accounts", sum.Accounts,
		"fired", sum.Fired, "quiet", sum.Quiet, "resolved", sum.Resolved, "reopened", sum.Reopened, "posted", sum.Posted,
		"updated", sum.Updated, "failed", sum.Failed, "took", sum.Took)
	return sum, nil
}

// resolution says in words why an alert resolved.
func resolution(summary string, s scoring.Score) string {
	switch summary {
	case scoring.SupersededSummary:
		return "replaced by a newer alert"
	case app.ResolvedChurned:
		return "the account churned"
	}
	r := "condition cleared"
	if s.HasScore() {
		r += fmt.Sprintf(" · score now %.0f (%s)", s.Value, blocks.BandName(s.Band))
	}
	return r
}
