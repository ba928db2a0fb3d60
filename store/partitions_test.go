package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func partitionsOf(t *testing.T, ctx context.Context, pool *pgxpool.Pool, table string) []string {
	t.Helper()
	rows, err := pool.Query(ctx, `SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = $1::regclass ORDER BY 1`, table)
	require.NoError(t, err)
	var out []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		out = append(out, n)
	}
	require.NoError(t, rows.Err())
	return out
}

// The scoring job's daily maintenance makes this month's and next month's
// partitions and drops the months wholly past the retention, signals and
// events alike; without a retention it drops nothing.
func TestMaintainPartitionsMakesMonthsAheadAndDropsPastRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.Schema(t)
	s := store.New(pool)
	id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme"})
	require.NoError(t, err)
	old := time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC)
	kept := time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)
	_, err = s.IntakeSignals(ctx, []store.IntakeSignal{
		{AccountID: id, Metric: "nps", ObservedAt: old, Value: 1},
		{AccountID: id, Metric: "nps", ObservedAt: kept, Value: 2},
	})
	require.NoError(t, err)
	_, err = s.IngestSegment(ctx, store.SegmentBatch{Events: []store.SegmentEvent{
		{MessageID: "m1", Type: "track", UserID: "u", Name: "X", OccurredAt: old},
	}})
	require.NoError(t, err)

	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	rep, err := s.MaintainPartitions(ctx, now, 0)
	require.NoError(t, err)
	require.Empty(t, rep.Dropped, "no retention: everything is kept")
	require.Equal(t, []string{"signal_p2026_06", "signal_p2026_09", "signal_p2026_12", "signal_p2027_01"}, partitionsOf(t, ctx, pool, "signal"))
	require.Equal(t, []string{"event_p2026_06", "event_p2026_12", "event_p2027_01"}, partitionsOf(t, ctx, pool, "event"))

	// 90 days before now is 2026-09-07: June ends before it, September does not.
	rep, err = s.MaintainPartitions(ctx, now, 90*24*time.Hour)
	require.NoError(t, err)
	require.Equal(t, []string{"signal_p2026_06", "event_p2026_06"}, rep.Dropped)
	var n int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM signal`).Scan(&n))
	require.Equal(t, 1, n)
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM event`).Scan(&n))
	require.Zero(t, n)

	// A write into a dropped month makes it again.
	_, err = s.IntakeSignals(ctx, []store.IntakeSignal{{AccountID: id, Metric: "nps", ObservedAt: old, Value: 3}})
	require.NoError(t, err)
	require.Contains(t, partitionsOf(t, ctx, pool, "signal"), "signal_p2026_06")
}

// signal and event have no per-row foreign key; deleting an account still
// deletes its signals and events (and nobody else's).
func TestDeletingAnAccountDeletesItsSignalsAndEvents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	gone, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "gone", Name: "Gone"})
	require.NoError(t, err)
	stays, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "stays", Name: "Stays"})
	require.NoError(t, err)
	for _, id := range []int64{gone, stays} {
		_, err = s.IntakeSignals(ctx, []store.IntakeSignal{
			{AccountID: id, Metric: "nps", ObservedAt: day, Value: 1},
			{AccountID: id, Metric: "nps", ObservedAt: day.AddDate(0, -2, 0), Value: 2},
		})
		require.NoError(t, err)
	}
	_, err = s.IngestSegment(ctx, store.SegmentBatch{Events: []store.SegmentEvent{
		{MessageID: "g", Type: "track", UserID: "u1", Name: "X", GroupID: "gone", OccurredAt: day},
		{MessageID: "s", Type: "track", UserID: "u2", Name: "X", GroupID: "stays", OccurredAt: day},
	}})
	require.NoError(t, err)

	_, err = s.DB().Exec(ctx, `DELETE FROM account WHERE id = $1`, gone)
	require.NoError(t, err)
	count := func(q string, id int64) int {
		var n int
		require.NoError(t, s.DB().QueryRow(ctx, q, id).Scan(&n))
		return n
	}
	require.Zero(t, count(`SELECT count(*) FROM signal WHERE account_id = $1`, gone))
	require.Zero(t, count(`SELECT count(*) FROM event WHERE account_id = $1`, gone))
	require.Equal(t, 2, count(`SELECT count(*) FROM signal WHERE account_id = $1`, stays))
	require.Equal(t, 1, count(`SELECT count(*) FROM event WHERE account_id = $1`, stays))
}

// The intake's staging step checks the batch's accounts once: a batch
// naming an account that no longer exists writes nothing.
func TestIntakeSignalsRefusesAnAccountThatNoLongerExists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme"})
	require.NoError(t, err)
	_, err = s.IntakeSignals(ctx, []store.IntakeSignal{
		{AccountID: id, Metric: "nps", ObservedAt: day, Value: 1},
		{AccountID: id + 1000, Metric: "nps", ObservedAt: day, Value: 1},
	})
	var missing *store.MissingAccountsError
	require.ErrorAs(t, err, &missing)
	require.Equal(t, []int64{id + 1000}, missing.IDs)
	var n int
	require.NoError(t, s.DB().QueryRow(ctx, `SELECT count(*) FROM signal WHERE account_id = $1`, id).Scan(&n))
	require.Zero(t, n, "nothing written")
}

// A batch whose keys are new is COPYed; the same batch again, or one that
// changes a value, is merged: a stored row is rewritten only when its
// value changed.
func TestIntakeSignalsWritesNewRowsAndMergesStoredOnes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme"})
	require.NoError(t, err)
	batch := []store.IntakeSignal{
		{AccountID: id, Metric: "nps", ObservedAt: day, Value: 1},
		{AccountID: id, Metric: "nps", ObservedAt: day, Value: 1, Source: "survey"},
		{AccountID: id, Metric: "csat", ObservedAt: day.AddDate(0, 1, 0), Value: 3},
	}
	n, err := s.IntakeSignals(ctx, batch)
	require.NoError(t, err)
	require.Equal(t, int64(3), n)
	n, err = s.IntakeSignals(ctx, batch)
	require.NoError(t, err)
	require.Zero(t, n, "a retried batch writes nothing")
	batch[2].Value = 4
	batch = append(batch, store.IntakeSignal{AccountID: id, Metric: "csat", ObservedAt: day, Value: 5})
	n, err = s.IntakeSignals(ctx, batch)
	require.NoError(t, err)
	require.Equal(t, int64(2), n, "one changed, one new")
	var v float64
	require.NoError(t, s.DB().QueryRow(ctx, `SELECT value FROM signal WHERE metric = 'csat' AND observed_at = $1`, day.AddDate(0, 1, 0)).Scan(&v))
	require.Equal(t, 4.0, v)
}

// The REST intake names accounts by external id: its staging step
// resolves them with the probe for stored keys, so a batch naming an
// unknown account writes nothing and says which, and a retried batch is
// merged (no duplicate) rather than COPYed.
func TestIntakeSignalsByExternalIDResolvesAccountsInTheStagingStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme"})
	require.NoError(t, err)
	count := func() int {
		var n int
		require.NoError(t, s.DB().QueryRow(ctx, `SELECT count(*) FROM signal WHERE account_id = $1`, id).Scan(&n))
		return n
	}

	n, unknown, err := s.IntakeSignalsByExternalID(ctx, []store.ExternalSignal{
		{Account: "acme", Metric: "nps", ObservedAt: day, Value: 1},
		{Account: "zeta", Metric: "nps", ObservedAt: day, Value: 1},
		{Account: "beta", Metric: "csat", ObservedAt: day, Value: 1},
	})
	require.NoError(t, err)
	require.Equal(t, []string{"beta", "zeta"}, unknown)
	require.Zero(t, n)
	require.Zero(t, count(), "nothing written")

	batch := []store.ExternalSignal{
		{Account: "acme", Metric: "nps", ObservedAt: day, Value: 1},
		{Account: "acme", Metric: "csat", ObservedAt: day.AddDate(0, 1, 0), Value: 3},
	}
	n, unknown, err = s.IntakeSignalsByExternalID(ctx, batch)
	require.NoError(t, err)
	require.Empty(t, unknown)
	require.Equal(t, int64(2), n)
	batch[1].Value = 4
	n, _, err = s.IntakeSignalsByExternalID(ctx, batch)
	require.NoError(t, err)
	require.Equal(t, int64(1), n, "the retry changes one value and duplicates nothing")
	require.Equal(t, 2, count())

	// A batch repeating one stored key among new ones, where the staging
	// step's sample of keys does not look: its COPY meets the primary key
	// and the batch is merged instead, all of it.
	more := make([]store.ExternalSignal, 20)
	for i := range more {
		more[i] = store.ExternalSignal{Account: "acme", Metric: "tickets", ObservedAt: day.Add(time.Duration(i) * time.Hour), Value: float64(i)}
	}
	stored := more[1]
	stored.Value = -1
	_, _, err = s.IntakeSignalsByExternalID(ctx, []store.ExternalSignal{stored})
	require.NoError(t, err)
	n, _, err = s.IntakeSignalsByExternalID(ctx, more)
	require.NoError(t, err)
	require.Equal(t, int64(20), n, "19 new, 1 changed")
	require.Equal(t, 22, count())
	var v float64
	require.NoError(t, s.DB().QueryRow(ctx, `SELECT value FROM signal WHERE metric = 'tickets' AND observed_at = $1`, more[1].ObservedAt).Scan(&v))
	require.Equal(t, 1.0, v)
}
