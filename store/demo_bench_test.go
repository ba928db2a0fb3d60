package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// BenchmarkLoadDemo loads the default 300-account demo and, in the same run,
// COPYs the same signal rows into a bare table without indexes, so the cost
// of the real table's keys and indexes shows as a ratio.
func BenchmarkLoadDemo(b *testing.B) {
	ctx := context.Background()
	pool := storetest.Schema(b)
	st := store.New(pool)
	p, err := demo.Generate(demo.Config{Seed: 1, Accounts: 300, AsOf: time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)})
	require.NoError(b, err)
	data := store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}
	_, err = pool.Exec(ctx, `CREATE UNLOGGED TABLE bare_signal (account_id bigint, metric text, observed_at timestamptz,
		value double precision, source text)`)
	require.NoError(b, err)
	_, err = pool.Exec(ctx, `ALTER TABLE bare_signal SET LOGGED`)
	require.NoError(b, err)

	var load, bare time.Duration
	for b.Loop() {
		start := time.Now()
		res, err := st.LoadDemo(ctx, data, false)
		require.NoError(b, err)
		require.Equal(b, int64(len(p.Signals)), res.Signals)
		load += time.Since(start)

		start = time.Now()
		_, err = pool.Exec(ctx, "TRUNCATE bare_signal")
		require.NoError(b, err)
		_, err = pool.CopyFrom(ctx, pgx.Identifier{"bare_signal"},
			[]string{"account_id", "metric", "observed_at", "value", "source"},
			pgx.CopyFromSlice(len(p.Signals), func(i int) ([]any, error) {
				o := p.Signals[i]
				return []any{o.AccountID, o.Metric, o.ObservedAt, o.Value, o.Source}, nil
			}))
		require.NoError(b, err)
		bare += time.Since(start)
	}
	n := float64(b.N)
	b.ReportMetric(load.Seconds()/n, "load_s")
	b.ReportMetric(float64(len(p.Signals))*n/load.Seconds(), "signals/s")
	b.ReportMetric(float64(len(p.Signals))*n/bare.Seconds(), "bare_copy_rows/s")
	b.ReportMetric(load.Seconds()/bare.Seconds(), "load/bare_copy")
}
