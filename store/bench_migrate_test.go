package store_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

var benchMigrateRows = flag.Int("bench-migrate-signals", 1_000_000, "signal rows BenchmarkPartitionMigration converts")

// BenchmarkPartitionMigration converts a database holding
// -bench-migrate-signals signals (daily, 5 metrics, 2,000 accounts, as
// the schema before migration 0150 stored them) and 100,000 events to the
// partitioned schema, and reports the time per 10 million signal rows
// (the README's figure).
func BenchmarkPartitionMigration(b *testing.B) {
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		pool := storetest.EmptySchema(b)
		require.NoError(b, store.MigrateTo(ctx, pool, beforePartitions))
		const accounts, metrics = 2000, 5
		days := *benchMigrateRows / accounts / metrics
		_, err := pool.Exec(ctx, `
			SET maintenance_work_mem = '256MB';
			ALTER TABLE signal DROP CONSTRAINT signal_idempotency_key_key, DROP CONSTRAINT signal_account_id_fkey;
			DROP INDEX signal_account_metric_time_idx, signal_interest_idx;
			INSERT INTO account (external_id, name) SELECT 'acct-' || i, 'Account ' || i FROM generate_series(1, 2000) i;
			INSERT INTO signal (account_id, metric, observed_at, value, source, idempotency_key)
			SELECT a.id, 'metric_' || m, '2024-01-01T00:00:00Z'::timestamptz + d * interval '1 day', (a.id + m + d) % 100, '',
			       md5(a.id || '/' || m || '/' || d)
			FROM account a, generate_series(1, 5) m, generate_series(0, `+itoa(days)+` - 1) d;
			ALTER TABLE signal ADD CONSTRAINT signal_idempotency_key_key UNIQUE (idempotency_key),
				ADD CONSTRAINT signal_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;
			CREATE INDEX signal_account_metric_time_idx ON signal (account_id, metric, observed_at);
			CREATE INDEX signal_interest_idx ON signal (observed_at) WHERE metric LIKE 'interest:%';
			INSERT INTO event (message_id, type, account_id, user_id, name, occurred_at)
			SELECT 'msg-' || i, 'track', 1 + i % 2000, 'user-' || i % 9000, 'Event', '2024-01-01T00:00:00Z'::timestamptz + i * interval '5 minutes'
			FROM generate_series(1, 100000) i`)
		require.NoError(b, err)
		_, err = pool.Exec(ctx, "VACUUM ANALYZE signal, event")
		require.NoError(b, err)
		var n int64
		require.NoError(b, pool.QueryRow(ctx, "SELECT count(*) FROM signal").Scan(&n))
		_, _ = pool.Exec(ctx, "CHECKPOINT")
		b.StartTimer()
		start := time.Now()
		_, err = store.Migrate(ctx, pool, store.WithProgress(func(line string) { b.Log(line) }))
		took := time.Since(start)
		require.NoError(b, err)
		b.ReportMetric(float64(n)/took.Seconds(), "signals/s")
		b.ReportMetric(took.Seconds()*1e7/float64(n), "s/10M_signals")
	}
}

func itoa(n int) string { return fmt.Sprint(n) }
