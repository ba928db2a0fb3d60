package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/calibration"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// calibrateHour:calibrateMinute is when, on the 1st of the month in
// HEALTHBOT_TIMEZONE, the monthly calibration runs: after the night's
// scoring run.
const calibrateHour, calibrateMinute = 7, 0

// calibrateCatchUp lets a bot that was down on the 1st still propose
// within three days.
const calibrateCatchUp = 72 * time.Hour

// calibrateJob re-fits the weights on the 1st of each month
// (HEALTHBOT_CALIBRATE=monthly), once across replicas, and posts the diff to
// HEALTHBOT_OPS_CHANNEL with Approve / Dismiss. Serve never changes weights
// on its own: only an approval puts the new version in force.
func (m *Main) calibrateJob() scheduledJob {
	j := scheduledJob{NeedsSlack: true, Job: app.Job{
		Name:    "calibrate",
		Cadence: app.Monthly{Hour: calibrateHour, Minute: calibrateMinute, Loc: m.Config.TimeZone},
		CatchUp: calibrateCatchUp,
	}}
	switch {
	case m.Config.Calibrate != "monthly":
		j.Off = "HEALTHBOT_CALIBRATE is off"
		return j
	case m.Config.ScorecardsFile != "":
		j.Off = "HEALTHBOT_SCORECARDS names a file, which wins over any approved calibration"
		return j
	case m.slack == nil:
		return j
	}
	cals := m.calibrations()
	log := m.Logger.With("component", "calibrate")
	j.Run = func(ctx context.Context, occ time.Time) error {
		in, err := app.ScorecardsInForce(ctx, m.store, "")
		if err != nil {
			return err
		}
		p := app.FitParams{HorizonDays: calibrateHorizonDays, MinChurned: m.Config.MinChurned}
		cal, err := app.Calibrate(ctx, m.store, in, p, scoring.Day(occ.UTC()))
		if err != nil { // too little history, most often: ops hear why
			err = fmt.Errorf("calibrate: %w", err)
			return errors.Join(err, cals.NoProposal(ctx, occ, err.Error()))
		}
		if !cal.Proposable() {
			log.InfoContext(ctx, "calibration: nothing proposed", "reason", cal.Reason)
			return cals.NoProposal(ctx, occ, cal.Reason)
		}
		_, err = cals.Propose(ctx, cal.Version("calibrate (monthly)", store.VersionProposed, ""))
		return err
	}
	return j
}

// calibrations is the proposer and its buttons over Main's store and Slack
// (built once: the job posts, the router routes the clicks).
func (m *Main) calibrations() *calibration.Calibrations {
	if m.calibs == nil {
		cfg := calibration.Config{
			Store: m.store, Channel: m.Config.OpsChannel, Now: m.now,
			Logger: m.Logger.With("component", "calibrate"),
			Retry:  chat.RateLimitRetrier{MaxRetries: alerts.DefaultAlertRetries},
		}
		if m.slack != nil { // a nil *slack.Client must not become a non-nil interface
			cfg.Slack = m.slack
		}
		m.calibs = calibration.New(cfg)
	}
	return m.calibs
}
