package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAlertLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	acct, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme"})
	require.NoError(t, err)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)

	a, ok, err := s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTurnedRed, DedupKey: "turned_red:1", Summary: "Turned red at 38", Payload: map[string]any{"score": 38}, FiredAt: now})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, scoring.AlertOpen, a.State)

	_, ok, err = s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTurnedRed, DedupKey: "turned_red:1", Summary: "again", FiredAt: now.Add(time.Hour)})
	require.NoError(t, err)
	require.False(t, ok, "a live alert with the same key is not fired twice")

	snoozed, err := s.ChangeAlert(ctx, a.ID, store.AlertChange{State: scoring.AlertSnoozed, SnoozedUntil: now.AddDate(0, 0, 7), ActedBy: "U1"}, now)
	require.NoError(t, err)
	require.Equal(t, scoring.AlertSnoozed, snoozed.State)
	require.True(t, snoozed.SnoozedUntil.Equal(now.AddDate(0, 0, 7)))

	byAccount, err := s.AlertsForEvaluation(ctx, now.AddDate(0, 0, -30))
	require.NoError(t, err)
	require.Len(t, byAccount[acct], 1)

	resolved, err := s.ResolveAlert(ctx, a.ID, "", now.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, scoring.AlertResolved, resolved.State)
	require.Equal(t, "Turned red at 38", resolved.Summary, "an empty summary keeps the old one")

	_, err = s.ChangeAlert(ctx, a.ID, store.AlertChange{State: scoring.AlertAcknowledged, ActedBy: "U1"}, now)
	require.ErrorIs(t, err, store.ErrNotFound, "a late click cannot resurrect a resolved alert")
	_, err = s.ResolveAlert(ctx, a.ID, "", now)
	require.ErrorIs(t, err, store.ErrNotFound)

	again, ok, err := s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTurnedRed, DedupKey: "turned_red:1", Summary: "Turned red at 35", FiredAt: now.AddDate(0, 0, 5)})
	require.NoError(t, err)
	require.True(t, ok, "after resolving, the key may fire again")
	require.NotEqual(t, a.ID, again.ID)

	require.NoError(t, s.SetAlertMessages(ctx, again.ID, "C1", "111.222", "D1", "333.444"))
	got, err := s.Alert(ctx, again.ID)
	require.NoError(t, err)
	require.Equal(t, "111.222", got.MessageTS)

	old, err := s.AlertsForEvaluation(ctx, now.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, old[acct], 2, "live one plus the one resolved after the cutoff")
}
