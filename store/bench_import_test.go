package store_test

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

	"github.com/jackc/pgx/v5/pgxpool"
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

// BenchmarkImportSignals1M imports a million-row signals file the way
// `healthbot import signals` does and, in the same run, plain-COPYs the same
// file into a bare table (no indexes, no constraints) — the target is
// import/copy >= 0.5 — and into a table shaped like signal (a foreign key to
// account, a unique key and a lookup index), which shows what writing into
// an indexed table costs COPY itself.
func BenchmarkImportSignals1M(b *testing.B) {
	ctx := context.Background()
	pool := storetest.Schema(b)
	s := store.New(pool)
	_, err := pool.Exec(ctx, `INSERT INTO account (external_id, name)
		SELECT 'acct-' || i, 'Account ' || i FROM generate_series(1, $1) i`, benchAccounts)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `CREATE TABLE bare_signal (account text, metric text, observed_at timestamptz, value float8, source text);
		CREATE TABLE indexed_signal (
			account text NOT NULL REFERENCES account (external_id), metric text NOT NULL,
			observed_at timestamptz NOT NULL, value float8 NOT NULL, source text NOT NULL,
			UNIQUE (account, metric, observed_at, source));
		CREATE INDEX ON indexed_signal (account, metric, observed_at)`)
	require.NoError(b, err)
	path := filepath.Join(b.TempDir(), "signals.csv")
	writeSignalsCSV(b, path)

	var copyTime, indexedTime, importTime time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		_, err := pool.Exec(ctx, "TRUNCATE bare_signal, indexed_signal, signal")
		require.NoError(b, err)
		checkpoint(ctx, pool)
		b.StartTimer()

		start := time.Now()
		n := plainCopy(b, ctx, pool, path, "bare_signal")
		copyTime += time.Since(start)
		require.Equal(b, int64(benchRows), n)

		b.StopTimer()
		checkpoint(ctx, pool)
		b.StartTimer()

		start = time.Now()
		n = plainCopy(b, ctx, pool, path, "indexed_signal")
		indexedTime += time.Since(start)
		require.Equal(b, int64(benchRows), n)

		b.StopTimer()
		checkpoint(ctx, pool)
		b.StartTimer()

		start = time.Now()
		sum := importFile(b, ctx, s, path)
		importTime += time.Since(start)
		require.Equal(b, store.ImportSummary{Read: benchRows, Inserted: benchRows}, sum)
	}
	rows := float64(benchRows * b.N)
	copyRate, indexedRate, importRate := rows/copyTime.Seconds(), rows/indexedTime.Seconds(), rows/importTime.Seconds()
	b.ReportMetric(copyRate, "copy_rows/s")
	b.ReportMetric(indexedRate, "copy_indexed_rows/s")
	b.ReportMetric(importRate, "import_rows/s")
	b.ReportMetric(importRate/copyRate, "import/copy")
	b.ReportMetric(importRate/indexedRate, "import/copy_indexed")
}

// checkpoint flushes the WAL the previous phase wrote, so a checkpoint it
// triggered does not land on the next phase's clock. Without the privilege
// it does nothing, which only adds noise.
func checkpoint(ctx context.Context, pool *pgxpool.Pool) {
	_, _ = pool.Exec(ctx, "CHECKPOINT")
}

// plainCopy is a baseline: the file's bytes straight into COPY table ... CSV.
func plainCopy(b *testing.B, ctx context.Context, pool *pgxpool.Pool, path, table string) int64 {
	f, err := os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	conn, err := pool.Acquire(ctx)
	require.NoError(b, err)
	defer conn.Release()
	tag, err := conn.Conn().PgConn().CopyFrom(ctx, f, "COPY "+table+" FROM STDIN (FORMAT csv, HEADER true)")
	require.NoError(b, err)
	return tag.RowsAffected()
}

// importFile is what `healthbot import signals FILE` runs, minus the
// progress bar.
func importFile(b *testing.B, ctx context.Context, s *store.Store, path string) store.ImportSummary {
	f, err := os.Open(path)
	require.NoError(b, err)
	defer f.Close()
	r, err := csvimport.NewSignalReader(bufio.NewReaderSize(f, 64<<10), nil)
	require.NoError(b, err)
	sum, err := s.ImportSignals(ctx, r)
	require.NoError(b, err)
	return sum
}

// writeSignalsCSV writes benchRows daily observations, day by day as a
// nightly export would: every account, every metric, for as many days as
// it takes.
func writeSignalsCSV(b *testing.B, path string) {
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
		line = start.AddDate(0, 0, day).AppendFormat(line, time.DateOnly)
		line = append(line, ',')
		line = strconv.AppendFloat(line, float64(rng.IntN(100000))/100, 'f', -1, 64)
		line = append(line, ",product\n"...)
		_, err = w.Write(line)
		require.NoError(b, err)
	}
	require.NoError(b, w.Flush())
	require.NoError(b, f.Close())
}
