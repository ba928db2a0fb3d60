package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
)

func TestMonthlyPrevAndSlot(t *testing.T) {
	t.Parallel()
	m := app.Monthly{Hour: 9, Loc: paris}
	cases := []struct {
		now, want time.Time
		slot      string
	}{
		{time.Date(2026, 12, 1, 9, 0, 0, 0, paris), time.Date(2026, 12, 1, 9, 0, 0, 0, paris), "2026-12"},
		{time.Date(2026, 12, 1, 8, 59, 0, 0, paris), time.Date(2026, 11, 1, 9, 0, 0, 0, paris), "2026-11"},
		{time.Date(2026, 12, 31, 23, 0, 0, 0, paris), time.Date(2026, 12, 1, 9, 0, 0, 0, paris), "2026-12"},
		// New Year: before 09:00 on Jan 1 the occurrence is December's.
		{time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 9, 0, 0, 0, paris), "2026-12"},
		{time.Date(2027, 1, 1, 8, 30, 0, 0, time.UTC), time.Date(2027, 1, 1, 9, 0, 0, 0, paris), "2027-01"},
	}
	for _, c := range cases {
		got := m.Prev(c.now)
		require.True(t, got.Equal(c.want), "Prev(%s) = %s, want %s", c.now, got, c.want)
		require.Equal(t, c.slot, m.Slot(got))
	}
}
