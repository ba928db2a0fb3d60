package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// beforePartitions is the last schema version before signal and event
// were partitioned (migrations 0150, 0151).
const beforePartitions = 149

// Checksums of what the partition migrations must keep: every signal by
// its natural key and value, every event by its message id and content.
const (
	signalChecksum = `SELECT count(*), md5(string_agg(format('%s|%s|%s|%s|%s', account_id, metric, observed_at, source, value), ','
		ORDER BY account_id, metric, observed_at, source)) FROM signal`
	eventChecksum = `SELECT count(*), md5(string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s', message_id, type, account_id, user_id,
		anonymous_id, name, occurred_at, properties, group_id), ',' ORDER BY message_id)) FROM event`
)

// setupOldSchema is a schema at beforePartitions holding 40 accounts with
// 8,000 signals over three months and 3,000 events, as an existing
// database would.
func setupOldSchema(t *testing.T) (context.Context, *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	pool := storetest.EmptySchema(t)
	require.NoError(t, store.MigrateTo(ctx, pool, beforePartitions))
	_, err := pool.Exec(ctx, `
		INSERT INTO account (external_id, name) SELECT 'acct-' || i, 'Account ' || i FROM generate_series(1, 40) i;
		INSERT INTO signal (account_id, metric, observed_at, value, source, idempotency_key)
		SELECT a.id, 'metric_' || m, '2026-01-15T00:00:00Z'::timestamptz + d * interval '1 day' + a.id * interval '1 minute',
		       (a.id * 7 + m * 13 + d) % 101 / 3.0, CASE WHEN m = 1 THEN 'crm' ELSE '' END, md5(a.id || '/' || m || '/' || d)
		FROM account a, generate_series(1, 4) m, generate_series(0, 49) d;
		INSERT INTO event (message_id, type, account_id, user_id, name, group_id, occurred_at, properties)
		SELECT 'msg-' || i, CASE WHEN i % 10 = 0 THEN 'group' ELSE 'track' END, CASE WHEN i % 7 = 0 THEN NULL ELSE 1 + i % 40 END,
		       'user-' || i % 300, 'Event ' || i % 5, CASE WHEN i % 10 = 0 THEN 'acct-' || (1 + i % 40) ELSE '' END,
		       '2026-02-01T00:00:00Z'::timestamptz + i * interval '41 minutes', jsonb_build_object('n', i)
		FROM generate_series(1, 3000) i`)
	require.NoError(t, err)
	return ctx, pool
}

func checksum(t *testing.T, ctx context.Context, pool *pgxpool.Pool, q string) (int64, string) {
	t.Helper()
	var n int64
	var sum string
	require.NoError(t, pool.QueryRow(ctx, q).Scan(&n, &sum))
	return n, sum
}

// The conversion to partitioned tables keeps every signal and event (count
// and checksum before and after), says how far it got as it goes, and
// leaves a table that keys signals naturally.
func TestPartitionMigrationKeepsEveryRow(t *testing.T) {
	t.Parallel()
	ctx, pool := setupOldSchema(t)
	signals, signalSum := checksum(t, ctx, pool, signalChecksum)
	events, eventSum := checksum(t, ctx, pool, eventChecksum)
	require.Equal(t, int64(8000), signals)
	require.Equal(t, int64(3000), events)

	var mu sync.Mutex
	var progress []string
	_, err := store.Migrate(ctx, pool, store.WithProgress(func(line string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, line)
	}))
	require.NoError(t, err)

	n, sum := checksum(t, ctx, pool, signalChecksum)
	require.Equal(t, signals, n)
	require.Equal(t, signalSum, sum)
	n, sum = checksum(t, ctx, pool, eventChecksum)
	require.Equal(t, events, n)
	require.Equal(t, eventSum, sum)

	mu.Lock()
	lines := strings.Join(progress, "\n")
	mu.Unlock()
	require.Contains(t, lines, "signal: converting 8000 rows in 3 monthly partitions")
	require.Contains(t, lines, "signal: 8000 rows copied in")
	require.Contains(t, lines, "event: converting 3000 rows in 3 monthly partitions")
	require.Contains(t, lines, "event: done in")

	var parts int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'signal'::regclass`).Scan(&parts))
	require.Equal(t, 3, parts, "January to March")
	_, err = pool.Exec(ctx, `INSERT INTO signal (account_id, metric, observed_at, value, source)
		SELECT account_id, metric, observed_at, 1, source FROM signal LIMIT 1`)
	require.ErrorContains(t, err, "duplicate key", "the natural key is the primary key")
}

// The old schema could hold one observation twice under two sender keys;
// the conversion keeps the one ingested last and says so.
func TestPartitionMigrationKeepsTheLastOfAnObservationStoredTwice(t *testing.T) {
	t.Parallel()
	ctx, pool := setupOldSchema(t)
	_, err := pool.Exec(ctx, `
		INSERT INTO signal (account_id, metric, observed_at, value, source, idempotency_key, ingested_at)
		VALUES (1, 'nps', '2026-03-01T10:00:00Z', 10, 'api', 'zendesk-1', '2026-03-01T11:00:00Z'),
		       (1, 'nps', '2026-03-01T10:00:00Z', 20, 'api', 'zendesk-2', '2026-03-01T12:00:00Z')`)
	require.NoError(t, err)
	var progress []string
	var mu sync.Mutex
	_, err = store.Migrate(ctx, pool, store.WithProgress(func(line string) {
		mu.Lock()
		defer mu.Unlock()
		progress = append(progress, line)
	}))
	require.NoError(t, err)
	n, _ := checksum(t, ctx, pool, signalChecksum)
	require.Equal(t, int64(8001), n)
	var v float64
	require.NoError(t, pool.QueryRow(ctx, `SELECT value FROM signal WHERE metric = 'nps'`).Scan(&v))
	require.Equal(t, 20.0, v)
	mu.Lock()
	defer mu.Unlock()
	require.Contains(t, strings.Join(progress, "\n"), "signal: 1 observations were stored twice under different keys; kept the last of each")
}

// Rolling 0150 and 0151 back restores the old tables with every row.
func TestPartitionMigrationRollsBackWithEveryRow(t *testing.T) {
	t.Parallel()
	ctx, pool := setupOldSchema(t)
	signals, signalSum := checksum(t, ctx, pool, signalChecksum)
	events, eventSum := checksum(t, ctx, pool, eventChecksum)
	_, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.NoError(t, store.MigrateDownTo(ctx, pool, beforePartitions))

	n, sum := checksum(t, ctx, pool, signalChecksum)
	require.Equal(t, signals, n)
	require.Equal(t, signalSum, sum)
	n, sum = checksum(t, ctx, pool, eventChecksum)
	require.Equal(t, events, n)
	require.Equal(t, eventSum, sum)
	var keys int
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(DISTINCT idempotency_key) FROM signal`).Scan(&keys))
	require.Equal(t, int(signals), keys, "every row has its key again")
	_, err = store.Migrate(ctx, pool)
	require.NoError(t, err, "and migrates up again")
}
