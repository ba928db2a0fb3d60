package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseConfigDefaults(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", cfg.HTTPAddr)
	require.Equal(t, WeeklyTime{Weekday: time.Monday, Hour: 9}, cfg.DigestAt)
	require.Equal(t, WeeklyTime{Weekday: time.Monday, Hour: 10}, cfg.PulseAt)
	require.Equal(t, 24*time.Hour, cfg.ScoreInterval)
	require.False(t, cfg.SlackEnabled())
}

func TestParseConfigNamesEveryBadVariable(t *testing.T) {
	t.Parallel()
	_, err := ParseConfig(envOf(map[string]string{
		"SLACK_BOT_TOKEN":          "nope",
		"HEALTHBOT_TIMEZONE":       "Mars/Olympus",
		"HEALTHBOT_DIGEST_AT":      "Funday 9",
		"HEALTHBOT_SCORE_INTERVAL": "-1h",
		"SLACK_API_URL":            "ftp://x",
	}))
	require.Error(t, err)
	for _, name := range []string{"SLACK_BOT_TOKEN", "HEALTHBOT_TIMEZONE", "HEALTHBOT_DIGEST_AT", "HEALTHBOT_SCORE_INTERVAL", "SLACK_API_URL", "SLACK_SIGNING_SECRET"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestParseWeeklyTime(t *testing.T) {
	t.Parallel()
	w, err := ParseWeeklyTime("tuesday 14:30")
	require.NoError(t, err)
	require.Equal(t, WeeklyTime{Weekday: time.Tuesday, Hour: 14, Minute: 30}, w)
	require.Equal(t, "Tue 14:30", w.String())
}

func TestParseConfigConnectors(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Equal(t, time.Hour, cfg.SyncInterval)
	require.Equal(t, []string{"metadata", "domain", "id"}, cfg.StripeMatch)
	require.Equal(t, "https://api.stripe.com/", cfg.StripeAPIURL)
	require.Empty(t, cfg.SQLSources)

	path := filepath.Join(t.TempDir(), "sources.yaml")
	require.NoError(t, os.WriteFile(path, []byte("sources:\n  - name: usage\n    dsn_env: WH_URL\n    query: SELECT 1\n"), 0o600))
	cfg, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_SOURCES": path, "WH_URL": "postgres://wh/db",
		"HEALTHBOT_STRIPE_MATCH": "metadata,id", "HEALTHBOT_HUBSPOT_MAP": "segment=industry"}))
	require.NoError(t, err)
	require.Equal(t, "postgres://wh/db", cfg.SQLSources[0].DSN)
	require.Equal(t, []string{"metadata", "id"}, cfg.StripeMatch)
	require.Equal(t, map[string]string{"segment": "industry"}, cfg.HubSpotMap)

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_SOURCES": path, "HEALTHBOT_STRIPE_MATCH": "email",
		"HEALTHBOT_HUBSPOT_MAP": "segment", "HEALTHBOT_SYNC_INTERVAL": "often"}))
	require.ErrorContains(t, err, "HEALTHBOT_SOURCES "+path+`: source "usage": environment variable WH_URL (its dsn_env) is not set`)
	require.ErrorContains(t, err, `HEALTHBOT_STRIPE_MATCH has "email"`)
	require.ErrorContains(t, err, `HEALTHBOT_HUBSPOT_MAP "segment" is not field=hubspot_property`)
	require.ErrorContains(t, err, "HEALTHBOT_SYNC_INTERVAL")
}
