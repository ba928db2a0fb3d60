package connector

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/internal/benchdata"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

const (
	benchRows     = 1_000_000
	benchAccounts = 300
)

// BenchmarkSQLSync1M syncs a million daily aggregates from a warehouse
// (a second database on the test server) with the SQL source and, in the
// same run, imports the same rows from a CSV file the way `healthbot
// import signals` does, reporting both rates.
func BenchmarkSQLSync1M(b *testing.B) {
	ctx := context.Background()
	pool := storetest.Schema(b)
	st := store.New(pool)
	_, err := pool.Exec(ctx, `INSERT INTO account (external_id, name)
		SELECT 'acct-' || i, 'Account ' || i FROM generate_series(1, $1) i`, benchAccounts)
	require.NoError(b, err)
	path := filepath.Join(b.TempDir(), "signals.csv")
	writeBenchCSV(b, path)
	dsn := benchWarehouse(b, path)
	q := SQLQuery{Name: "bench", DSNEnv: "WAREHOUSE_URL", DSN: dsn, Query: `SELECT account, metric,
		observed_at, value, source FROM daily WHERE observed_at >= $1 ORDER BY observed_at`}
	runner := &Runner{Store: st, Instance: "bench"}

	var importTime, syncTime time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		_, err := pool.Exec(ctx, "TRUNCATE signal")
		require.NoError(b, err)
		_, _ = pool.Exec(ctx, "CHECKPOINT")
		b.StartTimer()

		start := time.Now()
		f, err := os.Open(path)
		require.NoError(b, err)
		r, err := csvimport.NewSignalReader(bufio.NewReaderSize(f, 64<<10), nil)
		require.NoError(b, err)
		sum, err := st.ImportSignals(ctx, r)
		require.NoError(b, err)
		_ = f.Close()
		importTime += time.Since(start)
		require.Equal(b, int64(benchRows), sum.Inserted)

		b.StopTimer()
		_, err = pool.Exec(ctx, "TRUNCATE signal")
		require.NoError(b, err)
		_, _ = pool.Exec(ctx, "CHECKPOINT")
		b.StartTimer()

		start = time.Now()
		ss, err := runner.Run(ctx, &SQLSource{Q: q}, true)
		require.NoError(b, err)
		syncTime += time.Since(start)
		require.Equal(b, int64(benchRows), ss.Signals.Inserted, ss.String())
	}
	rows := float64(benchRows * b.N)
	importRate, syncRate := rows/importTime.Seconds(), rows/syncTime.Seconds()
	b.ReportMetric(importRate, "csv_import_rows/s")
	b.ReportMetric(syncRate, "sql_sync_rows/s")
	b.ReportMetric(syncRate/importRate, "sync/import")
}

// benchWarehouse loads the CSV file into a table of a second database.
func benchWarehouse(b *testing.B, csvPath string) string {
	dsn := warehouse(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(b, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `CREATE TABLE daily (account text, metric text, observed_at timestamptz, value float8, source text)`)
	require.NoError(b, err)
	f, err := os.Open(csvPath)
	require.NoError(b, err)
	defer f.Close()
	_, err = conn.PgConn().CopyFrom(ctx, f, "COPY daily FROM STDIN (FORMAT csv, HEADER true)")
	require.NoError(b, err)
	_, err = conn.Exec(ctx, `CREATE INDEX ON daily (observed_at); ANALYZE daily`)
	require.NoError(b, err)
	return dsn
}

// writeBenchCSV writes benchRows daily observations, every account and
// metric day after day, as a nightly export would.
func writeBenchCSV(b *testing.B, path string) {
	f, err := os.Create(path)
	require.NoError(b, err)
	require.NoError(b, benchdata.WriteSignalsCSV(f, benchRows, benchAccounts, time.RFC3339))
	require.NoError(b, f.Close())
}
