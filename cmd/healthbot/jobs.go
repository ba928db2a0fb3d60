package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/ingest/conversations"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// scheduledJob is one entry of the scheduler's job list.
type scheduledJob struct {
	app.Job
	// NeedsSlack jobs only post to Slack; without SLACK_BOT_TOKEN they are
	// not scheduled (the others still run).
	NeedsSlack bool
	// Off, when set, says why the job is not scheduled.
	Off string
}

// outcomesAt is when, in HEALTHBOT_TIMEZONE, owners are asked why their
// accounts churned or renewed: working hours.
var outcomesAt = struct{ Hour, Minute int }{10, 30}

// jobs lists every scheduled job. A feature adds its own with one line.
func (m *Main) jobs() ([]scheduledJob, error) {
	alerting, err := m.AlertJobs()
	if err != nil {
		return nil, err
	}
	score, err := m.scoreJob(alerting)
	if err != nil {
		return nil, err
	}
	return append([]scheduledJob{
		score,
		m.outcomesJob(alerting),
		m.digestJob(),
		m.pulseJob(), // pulse.go
		m.calibrateJob(),
		m.auditRetentionJob(), // audit.go
	}, m.syncJobs()...), nil // sync.go
}

// now is the time every job reads: Main.Clock's, else the real one.
func (m *Main) now() time.Time {
	if m.Clock == nil {
		return time.Now()
	}
	return m.Clock.Now()
}

// startScheduler runs every job on the scheduler (after Slack, so jobs
// that post find the client); Close shuts it down before Slack and the
// pool, waiting for running jobs.
func (m *Main) startScheduler(ctx context.Context) error {
	log := m.Logger.With("component", "scheduler")
	clock := m.Clock
	if clock == nil {
		clock = clockwork.NewRealClock()
	}
	if m.claims == nil {
		m.claims = m.store
	}
	s, err := app.NewScheduler(app.SchedulerConfig{
		Claims: m.claims, Clock: clock, Logger: log, Location: m.Config.TimeZone,
		Instance: instanceName(m.Config.Instance), CatchUp: m.Config.CatchUpWindow,
	})
	if err != nil {
		return err
	}
	jobs, err := m.jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if why := m.notScheduled(j); why != "" {
			log.Info("scheduler: job not scheduled: "+why, "job", j.Name)
			continue
		}
		if err := s.Add(j.Job); err != nil {
			return err
		}
	}
	if err := s.Start(ctx); err != nil {
		return err
	}
	m.closers = append(m.closers, func(context.Context) error { return s.Shutdown() })
	return nil
}

// notScheduled says why a job does not run here, or "".
func (m *Main) notScheduled(j scheduledJob) string {
	switch {
	case j.NeedsSlack && m.slack == nil:
		return "Slack is not configured (SLACK_BOT_TOKEN)"
	case j.Off != "":
		return j.Off
	}
	return ""
}

// instanceName is HEALTHBOT_INSTANCE, else the host name.
func instanceName(configured string) string {
	if configured != "" {
		return configured
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "healthbot"
}

// scoreJob scores the portfolio every HEALTHBOT_SCORE_INTERVAL. Each run
// first does the day's usage rollup and conversation aggregation (once per
// UTC day, each claiming its own job_run slot, so scores see them), then
// scores the day and evaluates and posts alerts right after. A start that
// finds the current interval unscored scores it at once.
func (m *Main) scoreJob(jobs *alerting) (scheduledJob, error) {
	if _, _, err := loadScorecards(context.Background(), m.store, "", m.Config.ScorecardsFile); err != nil {
		return scheduledJob{}, err // a broken file or version stops the start, as before
	}
	log := m.Logger.With("component", "scoring")
	rec := newConversations(m.Config, m.store, m.Logger.With("component", "conversations"))
	run := func(ctx context.Context, occ time.Time) error {
		day := scoring.Day(occ.UTC())
		prep := errors.Join(
			m.oncePerDay(ctx, "rollup", day, func(ctx context.Context) error {
				_, err := m.store.RollupUsage(ctx, store.RollupOptions{AsOf: day, KeyFeatures: m.Config.KeyFeatures})
				return err
			}),
			m.oncePerDay(ctx, "conversations", day, func(ctx context.Context) error {
				return aggregateConversations(ctx, rec, m.now())
			}),
			m.oncePerDay(ctx, "partitions", day, func(ctx context.Context) error {
				return m.maintainPartitions(ctx, log) // partitions.go
			}),
		)
		// Read each run, so an approved calibration scores from the next run.
		cards, src, err := loadScorecards(ctx, m.store, "", m.Config.ScorecardsFile)
		if err != nil {
			return errors.Join(prep, err)
		}
		sum, err := m.scoreDiscovering(ctx, log, cards, day)
		if err != nil {
			return errors.Join(prep, err)
		}
		log.InfoContext(ctx, "portfolio scored", "day", day.Format(time.DateOnly), "scorecards", src, "accounts", len(sum.Scores),
			"green", sum.Bands[scoring.BandGreen], "yellow", sum.Bands[scoring.BandYellow], "red", sum.Bands[scoring.BandRed],
			"took", sum.Took.Round(time.Millisecond))
		jobs.Alerts.UseScorecards(cards)
		_, err = jobs.Alerts.EvaluateAndPostAlerts(ctx, day)
		return errors.Join(prep, err)
	}
	every := m.Config.ScoreInterval
	return scheduledJob{Job: app.Job{Name: "score", Cadence: app.Every{Interval: every}, CatchUp: every, Run: run}}, nil
}

func aggregateConversations(ctx context.Context, rec *conversations.Recorder, now time.Time) error {
	_, err := rec.Aggregate(ctx, now, 7)
	return err
}

// oncePerDay runs fn unless another run (this replica or another) already
// claimed name's slot for day; the outcome is recorded on the slot, under
// the same lease and heartbeat as the scheduler's jobs (app.Claim).
func (m *Main) oncePerDay(ctx context.Context, name string, day time.Time, fn func(context.Context) error) error {
	slot := day.Format(time.DateOnly)
	_, err := m.claim().Run(ctx, name, slot, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return fmt.Errorf("%s %s: %w", name, slot, err)
		}
		return nil
	})
	return err
}

// claim is the job_run claim protocol over Main's claims, clock and logger.
func (m *Main) claim() app.Claim {
	if m.claims == nil {
		m.claims = m.store
	}
	var clock clockwork.Clock
	if m.Clock != nil {
		clock = m.Clock
	}
	return app.Claim{Claims: m.claims, Clock: clock, Logger: m.Logger.With("component", "scheduler"),
		Instance: instanceName(m.Config.Instance)}
}

// outcomesJob records churns and renewals daily and, with Slack, asks each
// owner why (alerts.go builds it).
func (m *Main) outcomesJob(jobs *alerting) scheduledJob {
	return scheduledJob{Job: app.Job{
		Name:    "outcomes",
		Cadence: app.Daily{Hour: outcomesAt.Hour, Minute: outcomesAt.Minute, Loc: m.Config.TimeZone},
		Run: func(ctx context.Context, occ time.Time) error {
			_, err := jobs.Outcomes.AskOutcomes(ctx, m.now())
			return err
		},
	}}
}

// digestJob posts the Monday digest at HEALTHBOT_DIGEST_AT in
// HEALTHBOT_TIMEZONE, once per week across replicas and restarts.
func (m *Main) digestJob() scheduledJob {
	j := scheduledJob{NeedsSlack: true, Job: app.Job{
		Name: "digest",
		Cadence: app.Weekly{Weekday: m.Config.DigestAt.Weekday, Hour: m.Config.DigestAt.Hour,
			Minute: m.Config.DigestAt.Minute, Loc: m.Config.TimeZone},
	}}
	if m.Config.DigestChannel == "" {
		j.Off = "HEALTHBOT_DIGEST_CHANNEL is not set"
		return j
	}
	if m.slack == nil {
		return j
	}
	d := m.newDigest()
	j.Run = func(ctx context.Context, occ time.Time) error {
		_, err := d.Post(ctx, occ)
		return err
	}
	return j
}

// newDigest is the digest over Main's store and Slack client (nil without
// Slack: it can be built, not posted).
func (m *Main) newDigest() *bot.Digest {
	var api bot.DigestSlack
	if m.slack != nil { // a nil *slack.Client must not become a non-nil interface
		api = m.slack
	}
	return newDigest(m.Config, m.store, api, m.channelGuard(), m.Logger.With("component", "digest"))
}

func newDigest(cfg Config, st *store.Store, api bot.DigestSlack, guard access.ChannelGuard, log *slog.Logger) *bot.Digest {
	return bot.NewDigest(bot.DigestConfig{
		Store: st, Slack: api, Channel: cfg.DigestChannel, Location: cfg.TimeZone,
		TextChart: cfg.Charts == "text", Tables: cfg.Tables != "text", Logger: log, Guard: guard,
		Team: st, // mostly-green pulses, away CSMs, the alert rules' record (#17)
		Cards: func(ctx context.Context) (scoring.Scorecards, error) {
			cards, _, err := loadScorecards(ctx, st, "", cfg.ScorecardsFile)
			return cards, err
		},
	})
}
