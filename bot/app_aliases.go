package bot

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
)

// The scheduler, its cadences and the claim helper moved to package app
// (issue #14); these aliases keep the handlers that still name them here
// (the pulse) compiling until they move to their own packages.
type (
	Job        = app.Job
	Cadence    = app.Cadence
	Weekly     = app.Weekly
	Daily      = app.Daily
	Monthly    = app.Monthly
	Every      = app.Every
	JobClaimer = app.JobClaimer
	Claim      = app.Claim

	Scheduler       = app.Scheduler
	SchedulerConfig = app.SchedulerConfig
)

// NewScheduler is app.NewScheduler (the pulse fan-out test builds one).
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) { return app.NewScheduler(cfg) }

// DefaultLease is app.DefaultLease, for the pulse send's claims.
const DefaultLease = app.DefaultLease

// RunScoring is app.RunScoring, for the end-to-end tests that score before
// they ask Slack.
func RunScoring(ctx context.Context, st app.ScoringStore, cards scoring.Scorecards, day time.Time) (app.ScoreSummary, error) {
	return app.RunScoring(ctx, st, cards, day)
}

// BandCounts is app.BandCounts, for the health lists.
func BandCounts(scores []scoring.Score) map[scoring.Band]int { return app.BandCounts(scores) }
