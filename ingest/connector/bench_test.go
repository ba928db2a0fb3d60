package connector

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

const (
	benchRows     = 1_000_000
	benchAccounts = 300
)

var benchMetrics = []string{"active_user_ratio", "seats_used", "support_tickets", "nps", "feature_adoption"}

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

// benchValue is a value in the metric's valid range (ingest/valid), which
// the CSV reader and the SQL source both check: an active-user ratio of
// 0–1, an NPS of −100–100. The generator used to send 0–999.99 for all,
// so both halves of the benchmark refused the file.
func benchValue(rng *rand.Rand, metric string) float64 {
	switch metric {
	case "active_user_ratio":
		return float64(rng.IntN(101)) / 100
	case "nps":
		return float64(rng.IntN(201) - 100)
	}
	return float64(rng.IntN(100000)) / 100
}

// writeBenchCSV writes benchRows daily observations, every account and
// metric day after day, as a nightly export would.
func writeBenchCSV(b *testing.B, path string) {
	f, err := os.Create(path)
	require.NoError(b, err)
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	fmt.Fprintln(w, "account,metric,observed_at,value,source")
	var line []byte
	for i := 0; i < benchRows; i++ {
		m := i % len(benchMetrics)
		acct := (i / len(benchMetrics)) % benchAccounts
		day := i / (len(benchMetrics) * benchAccounts)
		line = append(line[:0], "acct-"...)
		line = strconv.AppendInt(line, int64(acct+1), 10)
		line = append(line, ',')
		line = append(line, benchMetrics[m]...)
		line = append(line, ',')
		line = start.AddDate(0, 0, day).AppendFormat(line, time.RFC3339)
		line = append(line, ',')
		line = strconv.AppendFloat(line, benchValue(rng, benchMetrics[m]), 'f', -1, 64)
		line = append(line, ",product\n"...)
		_, err = w.Write(line)
		require.NoError(b, err)
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())
}
