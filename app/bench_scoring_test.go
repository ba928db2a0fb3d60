package app_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/internal/heappeak"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// The scoring benchmark's portfolio: 10,000 accounts × 20 metrics × 90
// days of daily signals = 18 million signal rows, plus weekly pulses.
const (
	sbAccounts = 10_000
	sbDays     = 90
	sbRounds   = 4 // scan/scoring pairs per benchmark iteration, half in each order
)

// sbSignals are the 20 signal metrics: the 14 the built-in catalog reads
// and 6 custom metrics of sbScorecards.
var sbSignals = []string{
	"active_user_ratio", "seats_used", "key_feature_adoption", "days_since_admin_seen", "session_gap_days",
	"support_tickets", "csat", "nps", "customer_messages", "first_response_minutes", "negative_sentiment_share",
	"mrr", "late_invoices", "days_to_renewal",
	"api_calls", "logins", "dashboards_viewed", "integrations_active", "exports", "training_minutes",
}

// sbScorecards is the built-in scorecard plus six custom metrics, so
// the run reads 20 signal metrics with every feature kind.
const sbScorecards = `
scorecards:
  - name: default
    custom_metrics:
      - {key: api_calls, family: usage, label: API calls, unit: count, higher_is_better: true, feature: sum, window_days: 28, weight: 1}
      - {key: logins, family: usage, label: Last login, unit: days, higher_is_better: false, feature: days_since, window_days: 30, weight: 1}
      - {key: dashboards_viewed, family: usage, label: Dashboards, unit: count, higher_is_better: true, feature: mean, window_days: 7, weight: 1}
      - {key: integrations_active, family: usage, label: Integrations, unit: count, higher_is_better: true, feature: latest, weight: 1}
      - {key: exports, family: engagement, label: Exports, unit: change, higher_is_better: true, feature: change, window_days: 28, weight: 1}
      - {key: training_minutes, family: engagement, label: Training, unit: minutes, higher_is_better: true, feature: mean, window_days: 90, weight: 1}
`

// BenchmarkScoringRun18M times a full scoring run (accounts, one-pass
// features, scoring.Compute, score upsert) against one plain aggregate scan
// of the same 18M rows, in the same run, and samples the Go heap during the
// scoring run. Like the daily run, each scoring run writes a day not yet
// scored (the newest day with data, then the days before it). It loads the
// rows once per process (a few minutes) for both sub-benchmarks:
//   - declared: a scorecard file declares the six custom signals;
//   - discovered: no scorecard file, so the run discovers the six (issue
//     #12) — the metric profiles are built by the warm-up run (logged as
//     the cold run) and must not cost a full extra scan on every run.
func BenchmarkScoringRun18M(b *testing.B) {
	ctx := context.Background()
	pool := storetest.Cached(b, "scoring18m_v1", func(ctx context.Context, pool *pgxpool.Pool) error {
		sbLoadPortfolio(b, ctx, pool, sbDays, 13)
		return nil
	})
	// A cached schema keeps what earlier runs wrote: start from no scores
	// and no metric profiles, as on freshly loaded data.
	_, err := pool.Exec(ctx, "TRUNCATE score, metric_profile CASCADE")
	require.NoError(b, err)
	asOf := sbAsOf
	st := store.New(pool)
	declared, err := scoring.ParseScorecards([]byte(sbScorecards))
	require.NoError(b, err)
	// Every one of the 20 signals in the data is read (the built-in
	// days_since_touchpoint reads timeline signals this portfolio has none of).
	require.Subset(b, sbCatalogSignals(declared), sbSignals)
	b.Run("declared", func(b *testing.B) { benchScoringRun(b, ctx, pool, st, declared, asOf, asOf.AddDate(0, 0, -60)) })
	// The discovered run scores other days, so neither run finds the
	// other's rows in place.
	b.Run("discovered", func(b *testing.B) {
		benchScoringRun(b, ctx, pool, st, scoring.DefaultScorecards(), asOf.AddDate(0, 0, -20), asOf.AddDate(0, 0, -61))
	})
}

// sbCustomSignals are the signals only sbScorecards declares; without it
// the scoring run must discover them.
var sbCustomSignals = sbSignals[14:]

func benchScoringRun(b *testing.B, ctx context.Context, pool *pgxpool.Pool, st *store.Store, cards scoring.Scorecards, first, warmDay time.Time) {
	// Warm up: both read the table once before timing, so neither pays for a
	// cold cache the other does not. Without a scorecard file the warm-up
	// is the first run on the data: it builds the metric profiles.
	_, err := sbPlainScan(ctx, pool)
	require.NoError(b, err)
	start := time.Now()
	sum, err := app.RunScoring(ctx, st, cards, warmDay)
	require.NoError(b, err)
	b.Logf("cold run (first on this data): %.2fs", time.Since(start).Seconds())
	sbRequireReads(b, sum.Scores, sbCustomSignals)

	day := first
	var scanTime, scoreTime time.Duration
	var mem sbMem
	var ratios []float64
	rounds := 0
	b.ResetTimer()
	for b.Loop() {
		// Alternate the two a few times, in both orders: on a shared
		// machine one pair of timings alone swings by a third, and whichever
		// runs second pays for the first's disk write-back.
		for r := range sbRounds {
			var scan, score time.Duration
			if r%2 == 0 {
				scan = sbTimeScan(b, ctx, pool)
				score = sbTimeScoring(b, ctx, st, cards, day, &mem)
			} else {
				score = sbTimeScoring(b, ctx, st, cards, day, &mem)
				scan = sbTimeScan(b, ctx, pool)
			}
			b.Logf("round %d: scan %.2fs, scoring run %.2fs", r+1, scan.Seconds(), score.Seconds())
			scanTime, scoreTime = scanTime+scan, scoreTime+score
			ratios = append(ratios, score.Seconds()/scan.Seconds())
			day = day.AddDate(0, 0, -1)
			rounds++
		}
	}
	b.StopTimer()
	if !slices.Contains(sbCatalogSignals(cards), sbCustomSignals[0]) { // the phases below read the catalog as declared
		b.Logf("phases are logged for the declared scorecard only")
	} else {
		logScoringPhases(b, ctx, st, cards, warmDay.AddDate(0, 0, 1))
	}
	n := float64(rounds)
	b.ReportMetric(scanTime.Seconds()/n, "scan-s/run")
	b.ReportMetric(scoreTime.Seconds()/n, "scoring-s/run")
	b.ReportMetric(scoreTime.Seconds()/scanTime.Seconds(), "scoring/scan")
	slices.Sort(ratios)
	b.ReportMetric((ratios[(len(ratios)-1)/2]+ratios[len(ratios)/2])/2, "median-round-scoring/scan")
	b.ReportMetric(float64(mem.peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(mem.alloc)/n/(1<<20), "alloc-MB/run")
}

// sbRequireReads fails unless some score's drivers show every one of the
// signals: a run that left them out would be measured doing less work.
func sbRequireReads(b *testing.B, scores []scoring.Score, signals []string) {
	b.Helper()
	seen := map[string]bool{}
	for _, s := range scores {
		for _, c := range s.Drivers {
			seen[c.Metric] = true
		}
	}
	for _, sig := range signals {
		if !seen[sig] {
			b.Fatalf("the scoring run did not read %s: without a scorecard file it must discover the signals no scorecard declares (issue #12)", sig)
		}
	}
}

func sbTimeScan(b *testing.B, ctx context.Context, pool *pgxpool.Pool) time.Duration {
	b.Helper()
	start := time.Now()
	groups, err := sbPlainScan(ctx, pool)
	took := time.Since(start)
	require.NoError(b, err)
	require.Equal(b, sbAccounts*len(sbSignals), groups)
	return took
}

// sbMem is what the scoring runs did to the Go heap.
type sbMem struct {
	peak  uint64 // highest sampled live heap
	alloc uint64 // bytes allocated, summed over runs
}

// sbTimeScoring times one full scoring run of day and records its heap use.
func sbTimeScoring(b *testing.B, ctx context.Context, st *store.Store, cards scoring.Scorecards, day time.Time, mem *sbMem) time.Duration {
	b.Helper()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	stop := heappeak.Sample(2 * time.Millisecond)
	start := time.Now()
	sum, err := app.RunScoring(ctx, st, cards, day)
	took := time.Since(start)
	mem.peak = max(mem.peak, stop())
	runtime.ReadMemStats(&after)
	mem.alloc += after.TotalAlloc - before.TotalAlloc
	require.NoError(b, err)
	require.EqualValues(b, sbAccounts, sum.Written)
	return took
}

// logScoringPhases times the phases of one more scoring run, to show where
// the time goes.
func logScoringPhases(b *testing.B, ctx context.Context, st *store.Store, cards scoring.Scorecards, day time.Time) {
	b.Helper()
	t0 := time.Now()
	accounts, err := st.Accounts(ctx)
	require.NoError(b, err)
	t1 := time.Now()
	at := app.ScoreTime(day)
	features, err := st.Features(ctx, at, cards.Catalog().Metrics())
	require.NoError(b, err)
	t2 := time.Now()
	scores := scoring.Compute(scoring.Input{AsOf: at, Accounts: accounts, Features: features, Scorecards: cards})
	t3 := time.Now()
	_, err = st.UpsertScores(ctx, scores)
	require.NoError(b, err)
	t4 := time.Now()
	b.Logf("phases of a scoring run: accounts %.2fs, features %.2fs, compute %.2fs, write %.2fs",
		t1.Sub(t0).Seconds(), t2.Sub(t1).Seconds(), t3.Sub(t2).Seconds(), t4.Sub(t3).Seconds())
}

// sbPlainScan is the reference: one aggregate over every signal row, read
// into Go.
func sbPlainScan(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	rows, err := pool.Query(ctx, `SELECT account_id, metric, count(*), sum(value) FROM signal GROUP BY 1, 2`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var (
		id     int64
		metric string
		count  int64
		sum    float64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &metric, &count, &sum); err != nil {
			return 0, err
		}
		n++
	}
	return n, rows.Err()
}

func sbCatalogSignals(cards scoring.Scorecards) []string {
	var out []string
	for _, m := range cards.Catalog().Metrics() {
		if k := m.SignalKey(); k != store.PulseSignal && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// sbAsOf is the benchmark portfolio's last day of data.
var sbAsOf = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

// sbLoadPortfolio fills the schema with the benchmark portfolio: sbAccounts
// accounts × the sbSignals × days daily signals up to sbAsOf, and weeks of
// weekly pulses. Signal's indexes and constraints are dropped for
// the COPY and rebuilt from their own definitions afterwards, so the table
// ends up exactly as the migrations define it.
func sbLoadPortfolio(b *testing.B, ctx context.Context, pool *pgxpool.Pool, days, weeks int) {
	b.Helper()
	start := time.Now()
	asOf := sbAsOf
	conn, err := pool.Acquire(ctx)
	require.NoError(b, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, "SET maintenance_work_mem = '256MB'")
	require.NoError(b, err)

	segments := []string{"Enterprise", "Mid-Market", "SMB"}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"account"}, []string{"external_id", "name", "segment", "started_at"},
		pgx.CopyFromSlice(sbAccounts, func(i int) ([]any, error) {
			return []any{fmt.Sprintf("bench-%05d", i), fmt.Sprintf("Bench %05d", i), segments[i%3], asOf.AddDate(-1, 0, 0)}, nil
		}))
	require.NoError(b, err)
	var firstID int64
	require.NoError(b, conn.QueryRow(ctx, "SELECT min(id) FROM account").Scan(&firstID))

	require.NoError(b, store.New(conn).EnsurePartitions(ctx, asOf.AddDate(0, 0, 1-days), asOf))
	rebuild := sbDropSignalIndexes(b, ctx, conn.Conn())
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"signal"}, []string{"account_id", "metric", "observed_at", "value", "source"},
		newSBRows(firstID, asOf, days))
	require.NoError(b, err)
	require.EqualValues(b, sbAccounts*len(sbSignals)*days, n)
	for _, stmt := range rebuild {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(b, err, stmt)
	}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"pulse"}, []string{"account_id", "rating", "week", "answered_at"},
		pgx.CopyFromSlice(sbAccounts*weeks, func(i int) ([]any, error) {
			acct, week := i/weeks, i%weeks
			at := asOf.AddDate(0, 0, -7*week-acct%5)
			rating := []string{"healthy", "concerning", "poor"}[(acct+week)%7%3]
			return []any{firstID + int64(acct), rating, scoring.ISOWeek(at), at}, nil
		}))
	require.NoError(b, err)
	_, err = conn.Exec(ctx, "VACUUM (ANALYZE) signal")
	require.NoError(b, err)
	_, err = conn.Exec(ctx, "ANALYZE account; ANALYZE pulse")
	require.NoError(b, err)
	// Flush the load's WAL now, so a checkpoint does not run during timing
	// (needs superuser or pg_checkpoint; without it timing is just noisier).
	if _, err := conn.Exec(ctx, "CHECKPOINT"); err != nil {
		b.Logf("no CHECKPOINT after loading: %v", err)
	}
	b.Logf("loaded %d signal rows in %s", n, time.Since(start).Round(time.Second))
}

// sbDropSignalIndexes drops signal's indexes and foreign keys and returns the
// statements that recreate them as they were.
func sbDropSignalIndexes(b *testing.B, ctx context.Context, conn *pgx.Conn) []string {
	b.Helper()
	var rebuild, drop []string
	rows, err := conn.Query(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'signal'::regclass AND contype IN ('u', 'f', 'p') ORDER BY contype DESC`)
	require.NoError(b, err)
	for rows.Next() {
		var name, def string
		require.NoError(b, rows.Scan(&name, &def))
		drop = append(drop, fmt.Sprintf("ALTER TABLE signal DROP CONSTRAINT %s", pgx.Identifier{name}.Sanitize()))
		rebuild = append(rebuild, fmt.Sprintf("ALTER TABLE signal ADD CONSTRAINT %s %s", pgx.Identifier{name}.Sanitize(), def))
	}
	require.NoError(b, rows.Err())
	rows, err = conn.Query(ctx, `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'signal'
		AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'signal'::regclass)`)
	require.NoError(b, err)
	for rows.Next() {
		var name, def string
		require.NoError(b, rows.Scan(&name, &def))
		drop = append(drop, "DROP INDEX "+pgx.Identifier{name}.Sanitize())
		rebuild = append(rebuild, def)
	}
	require.NoError(b, rows.Err())
	require.NotEmpty(b, rebuild)
	for _, stmt := range drop {
		_, err := conn.Exec(ctx, stmt)
		require.NoError(b, err, stmt)
	}
	// Foreign keys last: they need the unique indexes back first.
	var fks, rest []string
	for _, s := range rebuild {
		if strings.Contains(s, "FOREIGN KEY") {
			fks = append(fks, s)
		} else {
			rest = append(rest, s)
		}
	}
	return append(rest, fks...)
}

// sbRows streams the 18M signal rows to COPY without holding them:
// per account a level, per metric a trend, daily noise, some zeros.
type sbRows struct {
	firstID        int64
	asOf           time.Time
	days           int
	acct, met, day int
	rng            *rand.Rand
	level, trend   float64
	vals           []any
}

func newSBRows(firstID int64, asOf time.Time, days int) *sbRows {
	return &sbRows{firstID: firstID, asOf: asOf, days: days, day: -1, rng: rand.New(rand.NewPCG(1, 2)), vals: make([]any, 5)}
}

func (r *sbRows) Next() bool {
	r.day++
	if r.day == r.days {
		r.day, r.met = 0, r.met+1
		if r.met == len(sbSignals) {
			r.met, r.acct = 0, r.acct+1
		}
	}
	if r.day == 0 {
		r.level, r.trend = r.rng.Float64(), (r.rng.Float64()-0.5)/float64(r.days)
	}
	return r.acct < sbAccounts
}

func (r *sbRows) Values() ([]any, error) {
	v := math.Max(0, r.level+r.trend*float64(r.day)+0.1*r.rng.NormFloat64())
	if r.rng.IntN(10) == 0 {
		v = 0
	}
	id := r.firstID + int64(r.acct)
	metric := sbSignals[r.met]
	r.vals[0], r.vals[1] = id, metric
	r.vals[2] = r.asOf.AddDate(0, 0, r.day-r.days+1)
	r.vals[3], r.vals[4] = v*100, "bench"
	return r.vals, nil
}

func (r *sbRows) Err() error { return nil }
