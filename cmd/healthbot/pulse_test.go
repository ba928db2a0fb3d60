package main

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func TestPulseConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Equal(t, 48*time.Hour, cfg.PulseReminderAfter)
	require.Equal(t, time.Second, cfg.PulsePace)

	cfg, err = ParseConfig(envOf(map[string]string{
		"HEALTHBOT_PULSE_AT": "fri 16:30", "HEALTHBOT_PULSE_REMINDER_AFTER": "24h", "HEALTHBOT_PULSE_PACE": "250ms",
	}))
	require.NoError(t, err)
	require.Equal(t, WeeklyTime{Weekday: time.Friday, Hour: 16, Minute: 30}, cfg.PulseAt)
	require.Equal(t, 24*time.Hour, cfg.PulseReminderAfter)
	require.Equal(t, 250*time.Millisecond, cfg.PulsePace)

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_PULSE_REMINDER_AFTER": "soon", "HEALTHBOT_PULSE_PACE": "0s"}))
	require.ErrorContains(t, err, "HEALTHBOT_PULSE_REMINDER_AFTER")
	require.ErrorContains(t, err, "HEALTHBOT_PULSE_PACE")
}

func TestNewPulseSchedulesOnlyWithSlack(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	st := store.New(nil) // nothing runs: only the wiring is looked at
	require.Empty(t, newPulse(cfg, st, nil, log).Jobs(), "no Slack, no check-ins")

	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-x", APIURL: "http://127.0.0.1:1/api/"}, log)
	jobs := newPulse(cfg, st, api, log).Jobs()
	require.Len(t, jobs, 1)
	require.Equal(t, pulse.PulseJobName, jobs[0].Name)
	require.Equal(t, app.Every{Interval: 10 * time.Minute}, jobs[0].Cadence)
}

// TestMainSendsThePulseOnceWithTwoBots: two bots started on Monday 10:05
// (UTC, the CSM's zone per Slack) both run the pulse job; the CSM gets one
// check-in.
func TestMainSendsThePulseOnceWithTwoBots(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 11, 30, 10, 5, 0, 0, time.UTC))
	ctx := context.Background()
	csm, err := w.st.EnsureCSM(ctx, "ann@example.com", "UANN", "Ann")
	require.NoError(t, err)
	_, err = w.st.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme", OwnerID: csm})
	require.NoError(t, err)

	w.start(t, "bot-a", nil)
	w.start(t, "bot-b", nil)
	w.waitEvents(t, "the pulse run", 1, finishOf(pulse.PulseJobName))
	w.slack.WaitCalls(t, "chat.postMessage", 1)
	var dms []string
	for _, c := range w.slack.Calls("chat.postMessage") {
		if c.Param("channel") == "UANN" {
			dms = append(dms, c.Param("text"))
		}
	}
	require.Equal(t, []string{"Weekly pulse for 2026-W49: 1 account to rate"}, dms)
	run, err := w.st.JobRun(ctx, fmt.Sprintf("pulse:%d", csm), "2026-W49")
	require.NoError(t, err)
	require.False(t, run.FinishedAt.IsZero())
}
