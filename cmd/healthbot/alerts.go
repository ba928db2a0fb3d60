package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/outcomes"
	"github.com/healthbot/healthbot/bot/timeline"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// alertRoutes is HEALTHBOT_ALERT_ROUTES, parsed.
type alertRoutes = alerts.AlertRoutes

// alertRoutes reads "turned_red=both,expansion=dm,late_invoice=channel";
// rules not named post to both the alert channel and the owner.
func (p *parser) alertRoutes(name string) alertRoutes {
	r, err := alerts.ParseAlertRoutes(p.str(name, ""))
	if err != nil {
		p.fail(name, "%v", err)
		return nil
	}
	return r
}

// alerting is the alert job, the outcome job and the owner lookups they
// share with their buttons.
type alerting struct {
	Alerts   *alerts.Alerts
	Outcomes *outcomes.Outcomes
}

// AlertJobs builds the alert and outcome jobs once. The scheduler calls
// Alerts.EvaluateAndPostAlerts(ctx, day) right after scoring day, and
// Outcomes.AskOutcomes(ctx, now) once a day. Call it after startSlack so
// they post; without Slack they evaluate and store, and a later run with
// Slack posts what is pending.
func (m *Main) AlertJobs() (*alerting, error) {
	if m.alerting != nil {
		return m.alerting, nil
	}
	// The scorecards in force at start; the scoring job hands the alerts the
	// ones in force at each run (Alerts.UseScorecards).
	cards, _, err := loadScorecards(context.Background(), m.store, "", m.Config.ScorecardsFile)
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	m.alerting = newAlerting(m.Config, m.store, m.slack, m.channelGuard(), cards, m.Logger.With("component", "alerts"), m.now)
	return m.alerting, nil
}

// registerAlertButtons routes the buttons of alert messages and outcome
// questions; cards renders Open card.
func (m *Main) registerAlertButtons(r *bot.Router, cards alerts.CardMessenger, timeline *timeline.Timeline) {
	jobs, err := m.AlertJobs()
	if err != nil {
		m.Logger.Error("alert buttons not registered", "err", err)
		return
	}
	if timeline != nil { // a nil *timeline.Timeline must not become a non-nil alerts.Timeline
		jobs.Alerts.RecordOn(timeline)
	}
	jobs.Alerts.RegisterButtons(r, cards)
	jobs.Outcomes.RegisterButtons(r)
}

// newAlerting wires the jobs to the store, Slack (nil: none) and config.
// now is the clock the jobs and buttons read (the scheduler's, in tests a fake).
func newAlerting(cfg Config, st *store.Store, api *slack.Client, guard access.ChannelGuard, cards scoring.Scorecards, log *slog.Logger, now func() time.Time) *alerting {
	retry := chat.RateLimitRetrier{MaxRetries: alerts.DefaultAlertRetries, Log: log}
	ac := alerts.Config{
		Store: st, Scorecards: cards, Channel: cfg.AlertChannel,
		Routes: cfg.AlertRoutes, Location: cfg.TimeZone, Logger: log, Retry: retry, Now: now,
		PostFirstRun: cfg.AlertFirstRun == "post", Guard: guard, Budget: alertBudget(cfg.AlertBudget),
	}
	var outcomeAPI outcomes.Slack
	var outcomeOwners outcomes.Owners
	if api != nil { // a nil *slack.Client must not become a non-nil interface
		owners := bot.NewOwnerResolver(api, st, retry, log, nil)
		ac.Slack, ac.Views, ac.Owners = api, api, owners
		outcomeAPI, outcomeOwners = api, owners
	}
	return &alerting{
		Alerts:   alerts.New(ac),
		Outcomes: outcomes.New(outcomes.Config{Store: st, Slack: outcomeAPI, Owners: outcomeOwners, Logger: log.With("job", "outcomes"), Retry: retry, Now: now, Guard: guard}),
	}
}

// alertBudget maps HEALTHBOT_ALERT_BUDGET (0: off) to alerts.Config.Budget
// (negative: no limit).
func alertBudget(n int) int {
	if n == 0 {
		return -1
	}
	return n
}
