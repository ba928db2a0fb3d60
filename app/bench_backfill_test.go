package app_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/internal/heappeak"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// bfDays is the backfill benchmark's history: a year of daily signals for
// the scoring benchmark's 10,000 accounts × 20 signals, 73 million rows,
// and a year of weekly pulses.
const bfDays = 365

// bfHistory is the number of days the benchmark backfills: bfDays, or
// HEALTHBOT_BENCH_BACKFILL_DAYS to iterate on a shorter history of the same
// shape (the same 10,000 accounts × 20 signals, so a day's write is the
// same size; a shorter history loads in a fraction of the time, into its
// own cached schema).
func bfHistory(b *testing.B) (days int, cache string) {
	v := os.Getenv("HEALTHBOT_BENCH_BACKFILL_DAYS")
	if v == "" {
		return bfDays, "backfill73m_v1"
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("HEALTHBOT_BENCH_BACKFILL_DAYS=%q: want a number of days", v)
	}
	return n, fmt.Sprintf("backfill%dd_v1", n)
}

// BenchmarkBackfill365 backfills a year (issue #15): every day of the
// 365 days of 10,000 accounts × 20 daily signals, 73M rows, against one
// plain aggregate scan of the same rows in the same run, sampling the Go
// heap. The rows are loaded once into a cached schema (about ten minutes;
// 13 GB with signal's indexes), as the scoring benchmark loads its 18M.
// The pass reads signal in one unordered scan, so how the rows lie on disk
// does not favour it.
//   - features: Store.BackfillFeatures, the one ordered pass that makes
//     every day's features, each day's FeatureSet built and handed on;
//   - full: `score --from --to` as the command runs it (app.Backfill):
//     the pass, then scoring.Compute and the score write of each day.
func BenchmarkBackfill365(b *testing.B) {
	ctx := context.Background()
	bfDays, cache := bfHistory(b)
	pool := storetest.Cached(b, cache, func(ctx context.Context, pool *pgxpool.Pool) error {
		sbLoadPortfolio(b, ctx, pool, bfDays, min(52, bfDays/7+1))
		return nil
	})
	_, err := pool.Exec(ctx, "TRUNCATE score, metric_profile CASCADE")
	require.NoError(b, err)
	st := store.New(pool)
	cards, err := scoring.ParseScorecards([]byte(sbScorecards))
	require.NoError(b, err)
	days := make([]time.Time, bfDays)
	for i := range days {
		days[i] = sbAsOf.AddDate(0, 0, i-bfDays+1)
	}
	asOfs := make([]time.Time, len(days))
	for i, d := range days {
		asOfs[i] = app.ScoreTime(d)
	}
	metrics := cards.Catalog().Metrics()

	b.Run("features", func(b *testing.B) {
		benchBackfill(b, ctx, pool, bfDays, func() error {
			n := 0
			err := st.BackfillFeatures(ctx, asOfs, metrics, func(i int, fs scoring.FeatureSet) error {
				if len(fs) > 0 {
					n++
				}
				return nil
			})
			if err == nil && n != len(asOfs) {
				b.Fatalf("%d of %d days had features", n, len(asOfs))
			}
			return err
		})
	})
	b.Run("full", func(b *testing.B) {
		benchBackfill(b, ctx, pool, bfDays, func() error {
			var written int64
			err := app.Backfill(ctx, st, cards, days, func(s app.ScoreSummary) { written += s.Written })
			if err == nil && written != int64(sbAccounts*len(days)) {
				b.Fatalf("wrote %d score rows, want %d", written, sbAccounts*len(days))
			}
			return err
		})
	})
}

// benchBackfill times run against the plain scan of the same rows, scan
// first (both after a warm-up scan), and reports their ratio and the peak
// Go heap during run.
func benchBackfill(b *testing.B, ctx context.Context, pool *pgxpool.Pool, bfDays int, run func() error) {
	_, err := sbPlainScan(ctx, pool)
	require.NoError(b, err)
	var scanTime, runTime time.Duration
	var peak uint64
	b.ResetTimer()
	for b.Loop() {
		scan := sbTimeScan(b, ctx, pool)
		runtime.GC()
		stop := heappeak.Sample(2 * time.Millisecond)
		start := time.Now()
		err := run()
		took := time.Since(start)
		peak = max(peak, stop())
		require.NoError(b, err)
		b.Logf("scan %.1fs, backfill of %d days %.1fs (%.1f days/s)", scan.Seconds(), bfDays, took.Seconds(), float64(bfDays)/took.Seconds())
		scanTime, runTime = scanTime+scan, runTime+took
	}
	b.StopTimer()
	b.ReportMetric(scanTime.Seconds()/float64(b.N), "scan-s")
	b.ReportMetric(runTime.Seconds()/float64(b.N), "backfill-s")
	b.ReportMetric(runTime.Seconds()/scanTime.Seconds(), "backfill/scan")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
