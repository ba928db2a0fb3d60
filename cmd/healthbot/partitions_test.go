package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestParseConfigSignalRetention(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Zero(t, cfg.SignalRetention, "unset: every month is kept")

	cfg, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_SIGNAL_RETENTION": "730d"}))
	require.NoError(t, err)
	require.Equal(t, 730*24*time.Hour, cfg.SignalRetention)

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_SIGNAL_RETENTION": "forever"}))
	require.ErrorContains(t, err, `HEALTHBOT_SIGNAL_RETENTION is "forever"; want a number of days like 730d`)
	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_SIGNAL_RETENTION": "30d"}))
	require.ErrorContains(t, err, `HEALTHBOT_SIGNAL_RETENTION is "30d"; want at least 365d`)
}
