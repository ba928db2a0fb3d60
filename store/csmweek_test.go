package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestCSMWeekWritesRefuseBadInputAndKeepOnce(t *testing.T) {
	t.Parallel()
	s := store.New(storetest.Schema(t)) // refused statements must not abort a shared transaction
	ctx := context.Background()
	w := seedPulseWorld(t, s)
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

	// A note over the limit is refused whole: no touchpoint, no signal.
	_, err := s.AddTouchpoint(ctx, store.Touchpoint{AccountID: w.acme, Kind: store.TouchCall, Note: strings.Repeat("x", store.MaxTouchNote+1), At: at})
	require.ErrorContains(t, err, "at most 3000")
	_, err = s.AddTouchpoint(ctx, store.Touchpoint{AccountID: 1 << 40, Kind: store.TouchCall, At: at})
	require.ErrorIs(t, err, store.ErrNotFound, "an unknown account")
	n, err := s.CountTouchpoints(ctx, w.acme)
	require.NoError(t, err)
	require.Zero(t, n)

	// Owner changes: a missing account or CSM is not found.
	require.ErrorIs(t, s.SetAccountOwner(ctx, 1<<40, w.ann), store.ErrNotFound)
	require.ErrorIs(t, s.SetAccountOwner(ctx, w.acme, 1<<40), store.ErrNotFound)

	// Later works once per CSM and week.
	ok, err := s.SnoozePulse(ctx, w.ann, "2026-W48", at.Add(4*time.Hour))
	require.NoError(t, err)
	require.True(t, ok)
	ok, err = s.SnoozePulse(ctx, w.ann, "2026-W48", at.Add(8*time.Hour))
	require.NoError(t, err)
	require.False(t, ok)
	due, err := s.DuePulseSnoozes(ctx, at.Add(4*time.Hour))
	require.NoError(t, err)
	require.Equal(t, []store.PulseSnooze{{CSMID: w.ann, Week: "2026-W48", DueAt: at.Add(4 * time.Hour)}}, withUTC(due))

	// Away: an inclusive last day, and a CSM cannot cover for themselves.
	require.NoError(t, s.SetAway(ctx, store.Away{CSMID: w.ann, Until: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), CoverCSMID: w.bob, SetAt: at}))
	on, err := s.AwayOn(ctx, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Equal(t, w.bob, on[w.ann].CoverCSMID)
	on, err = s.AwayOn(ctx, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.Empty(t, on)
	require.Error(t, s.SetAway(ctx, store.Away{CSMID: w.bob, Until: at, CoverCSMID: w.bob, SetAt: at}))
}

func withUTC(ps []store.PulseSnooze) []store.PulseSnooze {
	for i := range ps {
		ps[i].DueAt = ps[i].DueAt.UTC()
	}
	return ps
}
