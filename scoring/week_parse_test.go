package scoring_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

func TestParseISOWeek(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]time.Time{
		"2026-W01": time.Date(2025, 12, 29, 0, 0, 0, 0, time.UTC),
		"2026-W48": time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		"2026-W53": time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC),
		"9999-W52": time.Date(9999, 12, 27, 0, 0, 0, 0, time.UTC),
	} {
		got, ok := scoring.ParseISOWeek(in)
		require.True(t, ok, in)
		require.True(t, want.Equal(got), "%s: %s, want %s", in, got, want)
		require.Equal(t, in, scoring.ISOWeek(got))
	}
	for _, bad := range []string{"2027-W53", "2026-W00", "2026-W54", "2026W48", "26-W48", "2026-w48", ""} {
		_, ok := scoring.ParseISOWeek(bad)
		require.False(t, ok, bad)
	}
}
