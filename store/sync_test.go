package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestWriteSyncPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	_, err := s.DB().Exec(ctx, `INSERT INTO account (external_id, name, plan) VALUES ('acme.io', 'Acme (from the CRM)', 'old')`)
	require.NoError(t, err)
	cursor, err := s.ClaimSync(ctx, "stripe", "bot-a", now, time.Hour)
	require.NoError(t, err)
	require.Empty(t, cursor)
	_, err = s.ClaimSync(ctx, "stripe", "bot-b", now, time.Hour)
	require.ErrorIs(t, err, store.ErrSyncBusy)

	page := store.SyncPage{
		Accounts: []store.AccountRow{
			{Line: 1, ExternalID: "acme.io", Name: "acme.io", Plan: "Pro"},
			{Line: 2, ExternalID: "globex.com", Name: "Globex", Plan: "Team"},
		},
		AccountFields: []string{"external_id", "name", "plan"},
		InsertOnly:    []string{"name"},
		Signals: []store.SignalRow{
			{Line: 1, Account: "acme.io", Metric: "mrr", ObservedAt: now, Value: 800, Source: "stripe"},
			{Line: 2, Account: "stranger.org", Metric: "mrr", ObservedAt: now, Value: 1, Source: "stripe"},
		},
		Cursor: "cus_2",
	}
	res, err := s.WriteSyncPage(ctx, "stripe", "bot-a", now, page)
	require.NoError(t, err)
	require.Equal(t, store.SyncPageResult{
		Accounts:        store.ImportSummary{Read: 2, Inserted: 1, Updated: 1},
		Signals:         store.ImportSummary{Read: 1, Inserted: 1},
		UnknownAccounts: 1,
	}, res)
	names := map[string]string{}
	rows, err := s.DB().Query(ctx, `SELECT external_id, name || '/' || plan FROM account`)
	require.NoError(t, err)
	for rows.Next() {
		var id, v string
		require.NoError(t, rows.Scan(&id, &v))
		names[id] = v
	}
	require.Equal(t, map[string]string{"acme.io": "Acme (from the CRM)/Pro", "globex.com": "Globex/Team"}, names,
		"an insert-only name is set on new accounts only")

	// A run that lost its lease writes nothing.
	_, err = s.WriteSyncPage(ctx, "stripe", "bot-b", now, store.SyncPage{Cursor: "cus_9", Signals: page.Signals})
	require.ErrorContains(t, err, "no longer holds the source")

	require.NoError(t, s.FinishSync(ctx, "stripe", "bot-a", now.Add(time.Minute), "stripe: 2 read", nil))
	states, err := s.SyncStates(ctx)
	require.NoError(t, err)
	require.Equal(t, []store.SyncState{{Name: "stripe", Cursor: "cus_2", LastStarted: now, LastFinished: now.Add(time.Minute),
		LastOK: now.Add(time.Minute), LastSummary: "stripe: 2 read"}}, trimZones(states))
	cursor, err = s.ClaimSync(ctx, "stripe", "bot-b", now.Add(2*time.Minute), time.Hour)
	require.NoError(t, err)
	require.Equal(t, "cus_2", cursor, "the next run starts from the cursor")
}

func trimZones(states []store.SyncState) []store.SyncState {
	for i := range states {
		s := &states[i]
		s.LastStarted, s.LastFinished, s.LastOK = s.LastStarted.UTC(), s.LastFinished.UTC(), s.LastOK.UTC()
	}
	return states
}

// A run whose lease another run took over must hear so when it resets its
// cursor or finishes: both were :exec, so a run that lost its lease
// "finished" without noticing and its summary was never recorded.
func TestSyncLeaseLossIsAnError(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	_, err := s.ClaimSync(ctx, "hubspot", "bot-a", now, time.Minute)
	require.NoError(t, err)
	later := now.Add(2 * time.Minute) // bot-a went past its lease
	_, err = s.ClaimSync(ctx, "hubspot", "bot-b", later, time.Minute)
	require.NoError(t, err, "bot-b takes the expired lease over")

	err = s.ResetSyncCursor(ctx, "hubspot", "bot-a")
	require.Equal(t, healthbot.ECONFLICT, healthbot.ErrorCode(err), "%v", err)
	err = s.FinishSync(ctx, "hubspot", "bot-a", later, "hubspot: 3 read", nil)
	require.Equal(t, healthbot.ECONFLICT, healthbot.ErrorCode(err), "%v", err)
	require.ErrorContains(t, err, "no longer holds the source")

	states, err := s.SyncStates(ctx)
	require.NoError(t, err)
	require.Len(t, states, 1)
	require.Equal(t, "bot-b", states[0].RunBy, "bot-a's finish released nothing")
	require.Empty(t, states[0].LastSummary, "bot-a's result was not recorded")

	require.NoError(t, s.ResetSyncCursor(ctx, "hubspot", "bot-b"))
	require.NoError(t, s.FinishSync(ctx, "hubspot", "bot-b", later, "hubspot: 1 read", nil), "the holder finishes")
}
