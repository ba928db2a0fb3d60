package bot

import "github.com/healthbot/healthbot/app"

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
