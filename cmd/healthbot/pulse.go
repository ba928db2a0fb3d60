package main

import (
	"log/slog"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/store"
)

// newPulse builds the weekly pulse (issue 5) from the configuration.
// Register its buttons with Register; without Slack (api nil) it has no
// jobs but still records `/health pulse`.
func newPulse(cfg Config, st *store.Store, api *slack.Client, log *slog.Logger) *pulse.Pulse {
	return pulse.NewPulse(pulseConfig(cfg, st, api, log))
}

// pulseConfig is the pulse's configuration: HEALTHBOT_PULSE_AT in each
// CSM's zone (HEALTHBOT_TIMEZONE when Slack gives none),
// HEALTHBOT_PULSE_REMINDER_AFTER, HEALTHBOT_PULSE_PACE; owners known only
// by email are found in Slack by OwnerResolver.
func pulseConfig(cfg Config, st *store.Store, api *slack.Client, log *slog.Logger) pulse.PulseConfig {
	retry := chat.RateLimitRetrier{MaxRetries: -1, Log: log} // a fan-out drops nothing
	pc := pulse.PulseConfig{
		Store: st, Weekday: cfg.PulseAt.Weekday, Hour: cfg.PulseAt.Hour, Minute: cfg.PulseAt.Minute,
		Location: cfg.TimeZone, ReminderAfter: cfg.PulseReminderAfter, Pace: cfg.PulsePace,
		Retry: retry, Logger: log,
	}
	if api != nil { // a nil *slack.Client must not become a non-nil interface
		pc.Slack = api
		pc.Owners = bot.NewOwnerResolver(api, st, retry, log, nil)
	}
	return pc
}

// pulseJob sends the weekly check-ins and reminders every 10 minutes, on
// the scheduler's clock and instance name (jobs.go lists it).
func (m *Main) pulseJob() scheduledJob {
	pc := pulseConfig(m.Config, m.store, m.slack, m.Logger.With("component", "pulse"))
	pc.Now, pc.Instance, pc.Guard = m.now, instanceName(m.Config.Instance), m.channelGuard()
	if m.gate != nil { // out-of-office Slack statuses, from the Gate's cached users.info
		pc.Status = m.gate
	}
	j := scheduledJob{NeedsSlack: true, Job: app.Job{Name: pulse.PulseJobName, Cadence: app.Every{Interval: pulse.PulseInterval}}}
	if jobs := pulse.NewPulse(pc).Jobs(); len(jobs) == 1 { // none without Slack
		j.Job = jobs[0]
	}
	return j
}
