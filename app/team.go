package app

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// TeamStore is what the team report reads (/health team, the digest's
// manager lines, the demo); *store.Store has it.
type TeamStore interface {
	PulseObservations(ctx context.Context, since time.Time) ([]scoring.PulseObservation, error)
	AwayOn(ctx context.Context, day time.Time) (map[int64]store.Away, error)
	AlertStats(ctx context.Context, since, until time.Time) ([]store.AlertRuleStats, error)
	PulseCompletion(ctx context.Context, week string) ([]store.PulseGap, error)
	CSMs(ctx context.Context) ([]scoring.CSM, error)
}

var _ TeamStore = (*store.Store)(nil)

// Windows of the team view: pulse honesty reads a year of answers and
// labels an answer churned when its account left within 90 days; alert
// feedback looks back 30 days.
const (
	HonestyHistoryDays = 365
	HonestyHorizonDays = 90
	AlertFeedbackDays  = 30
)

// TeamReport is the CSM's-week view for managers (#17): each CSM's pulse
// honesty, who is away, the week's completion and the alert rules'
// record.
type TeamReport struct {
	Week       string // the pulse week completion is counted for
	Honesty    []scoring.PulseHonestyReport
	Thresholds scoring.HonestyThresholds
	Away       map[int64]store.Away
	CSMs       map[int64]scoring.CSM
	Completion []store.PulseGap
	Alerts     []store.AlertRuleStats // fired in the last AlertFeedbackDays
	Rules      scoring.AlertRules     // the thresholds a noisy rule is told to tune
}

// CardsFunc returns the scorecards in force now (a file, or the newest
// approved version), so a view built at request time follows an approved
// calibration without a restart; nil means the built-in defaults.
type CardsFunc func(ctx context.Context) (scoring.Scorecards, error)

// CardsNow is cards' current scorecards, the built-in defaults when nil.
func CardsNow(ctx context.Context, cards CardsFunc) (scoring.Scorecards, error) {
	if cards == nil {
		return scoring.Scorecards{}, nil
	}
	return cards(ctx)
}

// BuildTeamReport gathers the team view as of now (week: the pulse week to
// count completion for) under cards (zero: the built-in defaults): their
// catch-all's alert rules hold the thresholds, their family weights band
// the data without the pulse.
func BuildTeamReport(ctx context.Context, st TeamStore, now time.Time, week string, cards scoring.Scorecards) (TeamReport, error) {
	if cards.IsZero() {
		cards = scoring.DefaultScorecards()
	}
	rules := cards.For(scoring.Account{}).Alerts
	r := TeamReport{Week: week, Rules: rules, Thresholds: scoring.HonestyThresholdsOf(rules), CSMs: map[int64]scoring.CSM{}}
	obs, err := st.PulseObservations(ctx, now.AddDate(0, 0, -HonestyHistoryDays))
	if err != nil {
		return r, fmt.Errorf("team view: %w", err)
	}
	r.Honesty = scoring.PulseHonesty(scoring.WithDataBands(obs, cards), HonestyHorizonDays*24*time.Hour, r.Thresholds)
	if r.Away, err = st.AwayOn(ctx, scoring.Day(now)); err != nil {
		return r, fmt.Errorf("team view: %w", err)
	}
	if r.Completion, err = st.PulseCompletion(ctx, week); err != nil {
		return r, fmt.Errorf("team view: %w", err)
	}
	if r.Alerts, err = st.AlertStats(ctx, now.AddDate(0, 0, -AlertFeedbackDays), now); err != nil {
		return r, fmt.Errorf("team view: %w", err)
	}
	csms, err := st.CSMs(ctx)
	if err != nil {
		return r, fmt.Errorf("team view: %w", err)
	}
	for _, c := range csms {
		r.CSMs[c.ID] = c
	}
	return r, nil
}
