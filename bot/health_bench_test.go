package bot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// Size of the card benchmark's portfolio: 10,000 accounts with a year of
// daily scores (3.65M score rows).
const (
	benchAccounts = 10_000
	benchDays     = 365
	benchCSMs     = 100
	// benchFullDays is how many of each account's newest scores carry the
	// full 15-metric contributions; older rows carry two. The card reads
	// only the newest row's contributions, and either width is stored out
	// of line or compressed, so this keeps the load fast without changing
	// what a card read touches.
	benchFullDays = 7
)

// BenchmarkCard builds /health cards against 10,000 accounts with a year of
// daily scores, loaded once with COPY. Sub-benchmarks:
//
//   - card: store read + render of one account's card (CardMessage),
//     p50/p95 over every card built; target p95 < 100 ms.
//   - command: the whole "/health <name>" path (lookup + card).
//   - at-risk, movers, renewals, segment: lists over the live accounts.
//   - portfolio: "/health" for a CSM owning 100 accounts.
//   - app-home: the Home tab of a CSM owning 100 accounts.
//   - lookup-typo: a misspelt name against the 10,000 names (the fuzzy path).
//   - lookup-exact: an exact name (version check + map hit).
//   - lookup-index: building the in-memory name index from scratch.
//
// Before timing, the plans of the card's and a portfolio's statements are
// checked: none may scan score, pulse or alert sequentially.
func BenchmarkCard(b *testing.B) {
	ctx := context.Background()
	tracer := &sqlRecorder{}
	st := store.New(tracedPool(b, tracer))
	now := time.Date(2026, 1, 14, 15, 0, 0, 0, time.UTC)
	start := time.Now()
	ids, names := loadBenchPortfolio(b, st, now)
	b.Logf("loaded %d accounts, %d score rows in %s", len(ids), len(ids)*benchDays, time.Since(start).Round(time.Second))
	h := health.NewHealth(st, nil, func() time.Time { return now })
	checkPlans(b, st, tracer, "card", func() error { _, err := h.CardMessage(ctx, ids[len(ids)/2], ""); return err })
	checkPlans(b, st, tracer, "portfolio", func() error {
		_, err := h.HandleCommand(ctx, bot.Request{UserID: "U00001", Command: "/health"})
		return err
	})
	// The lists' statements, analysed: each one's execution time, and no
	// sequential scan of score, pulse or alert.
	for _, text := range []string{"at-risk", "renewals", "segment enterprise"} {
		digestPlans(b, st, tracer, func() error {
			_, err := h.HandleCommand(ctx, bot.Request{UserID: "U00001", Command: "/health", Text: text})
			return err
		})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const (
		perOp     = 200 // calls per iteration, so -benchtime 1x still gives percentiles
		listPerOp = 10  // whole-portfolio lists are slower
	)

	b.Run("card", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				id := ids[rng.IntN(len(ids))]
				t0 := time.Now()
				m, err := h.CardMessage(ctx, id, "")
				lat = append(lat, time.Since(t0))
				if err != nil || len(m.Blocks) < 5 {
					b.Fatalf("card %d: %d blocks, %v", id, len(m.Blocks), err)
				}
			}
		}
		reportLatency(b, lat, perOp)
	})
	b.Run("command", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				name := names[rng.IntN(len(names))]
				t0 := time.Now()
				m, err := h.HandleCommand(ctx, bot.Request{UserID: "U0BENCH", Command: "/health", Text: name})
				lat = append(lat, time.Since(t0))
				if err != nil || len(m.Blocks) < 5 {
					b.Fatalf("/health %s: %q, %v", name, m.Text, err)
				}
			}
		}
		reportLatency(b, lat, perOp)
	})
	// Lists read every live account's current state (account_state).
	for _, text := range []string{"at-risk", "movers", "renewals", "segment enterprise"} {
		b.Run(text, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N*listPerOp)
			for b.Loop() {
				for range listPerOp {
					t0 := time.Now()
					m, err := h.HandleCommand(ctx, bot.Request{UserID: "U00001", Command: "/health", Text: text})
					lat = append(lat, time.Since(t0))
					if err != nil || len(m.Blocks) < 3 {
						b.Fatalf("/health %s: %q, %v", text, m.Text, err)
					}
				}
			}
			reportLatency(b, lat, listPerOp)
		})
	}
	b.Run("portfolio", func(b *testing.B) { // a CSM with 100 accounts
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				user := fmt.Sprintf("U%05d", rng.IntN(benchCSMs))
				t0 := time.Now()
				m, err := h.HandleCommand(ctx, bot.Request{UserID: user, Command: "/health"})
				lat = append(lat, time.Since(t0))
				if err != nil || len(m.Blocks) < 3 { // header, intro, table
					b.Fatalf("/health as %s: %q, %d blocks, %v", user, m.Text, len(m.Blocks), err)
				}
			}
		}
		reportLatency(b, lat, perOp)
	})
	b.Run("app-home", func(b *testing.B) { // the Home tab of a CSM with 100 accounts
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				user := fmt.Sprintf("U%05d", rng.IntN(benchCSMs))
				t0 := time.Now()
				v, err := h.HomeView(ctx, user)
				lat = append(lat, time.Since(t0))
				if err != nil || len(v.Blocks.BlockSet) < 4 {
					b.Fatalf("Home of %s: %d blocks, %v", user, len(v.Blocks.BlockSet), err)
				}
			}
		}
		reportLatency(b, lat, perOp)
	})
	b.Run("lookup-typo", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				q := typo(names[rng.IntN(len(names))], rng)
				t0 := time.Now()
				res, err := h.Lookup().Find(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				_ = res
			}
		}
		reportLatency(b, lat, perOp)
	})
	b.Run("lookup-exact", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N*perOp)
		for b.Loop() {
			for range perOp {
				q := names[rng.IntN(len(names))]
				t0 := time.Now()
				res, err := h.Lookup().Find(ctx, q)
				lat = append(lat, time.Since(t0))
				if err != nil || len(res.Matches) != 1 {
					b.Fatalf("Find(%q) = %+v, %v", q, res, err)
				}
			}
		}
		reportLatency(b, lat, perOp)
	})
	b.Run("lookup-index", func(b *testing.B) {
		for b.Loop() {
			if _, err := health.NewLookup(st, nil).Find(ctx, "x"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func reportLatency(b *testing.B, lat []time.Duration, perOp int) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(math.Ceil(p*float64(len(lat))))-1)]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.95), "p95-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(perOp), "calls/op")
}

// typo swaps two neighbouring letters of s, or drops one.
func typo(s string, rng *rand.Rand) string {
	r := []rune(s)
	if len(r) < 4 {
		return s + "x"
	}
	i := 1 + rng.IntN(len(r)-2)
	if rng.IntN(2) == 0 {
		r[i], r[i+1] = r[i+1], r[i]
		return string(r)
	}
	return string(append(r[:i:i], r[i+1:]...))
}

var (
	benchPrefixes = []string{"North", "South", "Blue", "Red", "Silver", "Golden", "Bright", "Swift", "Iron", "Clear",
		"Green", "Quantum", "Atlas", "Nova", "Polar", "Summit", "River", "Cedar", "Maple", "Pine",
		"Stone", "Harbor", "Vertex", "Apex", "Zen", "Pixel", "Cloud", "Data", "Signal", "Orbit",
		"Lumen", "Echo", "Vector", "Prime", "Core", "Fusion", "Nimbus", "Terra", "Aero", "Bolt",
		"Crystal", "Delta", "Ember", "Falcon", "Granite", "Helix", "Indigo", "Juniper", "Kite", "Lynx"}
	benchCores = []string{"Logistics", "Analytics", "Robotics", "Health", "Foods", "Energy", "Media", "Finance",
		"Systems", "Software", "Networks", "Labs", "Works", "Dynamics", "Partners", "Ventures", "Studios",
		"Solutions", "Capital", "Motors", "Pharma", "Retail", "Telecom", "Security", "Learning", "Travel",
		"Insurance", "Biotech", "Textiles", "Mining", "Marine", "Aviation", "Farms", "Brewing", "Games",
		"Payments", "Freight", "Clinics", "Realty", "Design"}
	benchForms = []string{"Inc", "GmbH", "Group", "Ltd", "Société Anonyme"}
)

func benchName(i int) string {
	return fmt.Sprintf("%s %s %s", benchPrefixes[i%50], benchCores[(i/50)%40], benchForms[(i/2000)%5])
}

// loadBenchPortfolio COPYs CSMs, accounts, a year of daily scores, twelve
// weeks of pulses and some alerts, then analyses the tables.
func loadBenchPortfolio(b *testing.B, st *store.Store, now time.Time) ([]int64, []string) {
	b.Helper()
	ctx := context.Background()
	conn := st.DB()
	rng := rand.New(rand.NewPCG(7, 7))
	csmIDs := make([]int64, benchCSMs)
	for i := range csmIDs {
		id, err := st.EnsureCSM(ctx, fmt.Sprintf("csm%03d@example.com", i), fmt.Sprintf("U%05d", i), fmt.Sprintf("CSM %03d", i))
		if err != nil {
			b.Fatal(err)
		}
		csmIDs[i] = id
	}
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	segments := []string{"Enterprise", "Mid-Market", "SMB"}
	names := make([]string, benchAccounts)
	acctRows := make([][]any, benchAccounts)
	for i := range acctRows {
		names[i] = benchName(i)
		acctRows[i] = []any{fmt.Sprintf("acct-%05d", i), names[i], fmt.Sprintf("acct%05d.example.com", i),
			segments[i%3], csmIDs[i%benchCSMs], float64(500 + rng.IntN(50_000)), int32(10 + rng.IntN(500)),
			today.AddDate(0, 0, rng.IntN(365))}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"account"},
		[]string{"external_id", "name", "domain", "segment", "owner_id", "mrr", "seats", "renewal_date"}, pgx.CopyFromRows(acctRows)); err != nil {
		b.Fatal(err)
	}
	ids := make([]int64, 0, benchAccounts)
	rows, err := conn.Query(ctx, "SELECT id FROM account ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	ids, err = pgx.AppendRows(ids, rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	src := newScoreSource(ids, today)
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"score"},
		[]string{"account_id", "as_of", "scorecard", "score", "band", "confidence", "subscores", "contributions"}, src); err != nil {
		b.Fatal(err)
	}
	var pulses [][]any
	for i, id := range ids {
		for w := range 12 {
			if (i+w)%3 == 0 {
				continue
			}
			at := now.AddDate(0, 0, -7*w)
			pulses = append(pulses, []any{id, csmIDs[i%benchCSMs], []string{"healthy", "concerning", "poor"}[(i+w)%3],
				[]string{}, "Note on week " + scoring.ISOWeek(at), scoring.ISOWeek(at), at})
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"pulse"},
		[]string{"account_id", "csm_id", "rating", "reasons", "note", "week", "answered_at"}, pgx.CopyFromRows(pulses)); err != nil {
		b.Fatal(err)
	}
	var alerts [][]any
	for i, id := range ids {
		if i%10 == 0 {
			alerts = append(alerts, []any{id, "turned_red", fmt.Sprintf("turned_red:%d", id), now.AddDate(0, 0, -i%30), "72 → 38 in 14 days", "open"})
		}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"alert"},
		[]string{"account_id", "kind", "dedup_key", "fired_at", "summary", "state"}, pgx.CopyFromRows(alerts)); err != nil {
		b.Fatal(err)
	}
	// COPY bypasses UpsertScores, so the current state is built as
	// Migrate builds it (pulses and alerts fill theirs by trigger).
	t0 := time.Now()
	if err := st.RebuildState(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("built the current state in %s", time.Since(t0).Round(time.Millisecond))
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE account, score, pulse, alert, account_state, score_band_day"); err != nil {
		b.Fatal(err)
	}
	return ids, names
}

// scoreSource generates score rows day by day, every account each day, as
// a daily scoring run writes them (so one account's rows are spread over
// the table, not clustered).
type scoreSource struct {
	ids       []int64
	today     time.Time
	day, acct int
	level     []float64
	full      [][]byte // 15-metric contributions, a few variants
	short     [][]byte
	subs      [][]byte
}

func newScoreSource(ids []int64, today time.Time) *scoreSource {
	s := &scoreSource{ids: ids, today: today, acct: -1, level: make([]float64, len(ids))}
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range s.level {
		s.level[i] = 20 + rng.Float64()*70
	}
	for v := range 8 {
		var cs []scoring.Contribution
		for m := range 15 {
			sc := float64((v*13 + m*29) % 100)
			cs = append(cs, scoring.Contribution{
				Metric: fmt.Sprintf("metric_%02d", m), Family: scoring.Families[m%4], Label: fmt.Sprintf("Metric %d label", m),
				Value: float64(m * 3), Score: sc, Weight: 1.0 / 15, Contribution: (sc - 50) / 15,
				Detail:    fmt.Sprintf("%dth percentile of Enterprise peers — %d of 40 seats active", int(sc), m+1),
				PeerGroup: "Enterprise", PeerCount: 3300,
			})
		}
		full, _ := json.Marshal(cs)
		short, _ := json.Marshal(cs[:2])
		subs, _ := json.Marshal(map[string]float64{"usage": sc(v, 1), "engagement": sc(v, 2), "pulse": sc(v, 3), "contract": sc(v, 4)})
		s.full, s.short, s.subs = append(s.full, full), append(s.short, short), append(s.subs, subs)
	}
	return s
}

func sc(v, k int) float64 { return float64((v*17 + k*31) % 100) }

func (s *scoreSource) Next() bool {
	s.acct++
	if s.acct == len(s.ids) {
		s.acct, s.day = 0, s.day+1
	}
	return s.day < benchDays
}

func (s *scoreSource) Values() ([]any, error) {
	i, back := s.acct, benchDays-1-s.day
	// A slow wave per account, so scores move a few points a week.
	v := math.Max(0, math.Min(100, s.level[i]+12*math.Sin(float64(s.day)/20+float64(i))))
	contribs := s.short[(i+s.day)%8]
	if back < benchFullDays {
		contribs = s.full[(i+s.day)%8]
	}
	return []any{s.ids[i], s.today.AddDate(0, 0, -back), "default", v, string(benchBand(v)), 0.9, s.subs[(i+s.day)%8], contribs}, nil
}

func (s *scoreSource) Err() error { return nil }

func benchBand(v float64) scoring.Band {
	switch {
	case v >= 70:
		return scoring.BandGreen
	case v >= 40:
		return scoring.BandYellow
	}
	return scoring.BandRed
}

// sqlRecorder remembers the statements run while it is on, so their plans
// can be checked.
type sqlRecorder struct {
	mu   sync.Mutex
	on   bool
	seen []recordedQuery
}

type recordedQuery struct {
	sql  string
	args []any
}

func (r *sqlRecorder) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.on {
		r.seen = append(r.seen, recordedQuery{d.SQL, d.Args})
	}
	return ctx
}

func (r *sqlRecorder) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (r *sqlRecorder) record(fn func() error) ([]recordedQuery, error) {
	r.mu.Lock()
	r.on, r.seen = true, nil
	r.mu.Unlock()
	err := fn()
	r.mu.Lock()
	defer r.mu.Unlock()
	r.on = false
	return r.seen, err
}

// tracedPool is a pool on a fresh migrated schema whose statements rec can see.
func tracedPool(b *testing.B, rec *sqlRecorder) *pgxpool.Pool {
	b.Helper()
	cfg, err := pgxpool.ParseConfig(storetest.SchemaURL(b))
	if err != nil {
		b.Fatal(err)
	}
	cfg.ConnConfig.Tracer = rec
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return pool
}

// checkPlans runs fn, EXPLAINs every statement it ran and fails on a
// sequential scan of the big tables: these reads must go through indexes.
func checkPlans(b *testing.B, st *store.Store, rec *sqlRecorder, what string, fn func() error) {
	b.Helper()
	qs, err := rec.record(fn)
	if err != nil {
		b.Fatalf("%s: %v", what, err)
	}
	for _, q := range qs {
		rows, err := st.DB().Query(context.Background(), "EXPLAIN "+q.sql, q.args...)
		if err != nil {
			b.Fatalf("explain: %v", err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatalf("explain: %v", err)
		}
		plan := strings.Join(lines, "\n")
		for _, table := range []string{"score", "pulse", "alert"} {
			if strings.Contains(plan, "Seq Scan on "+table) {
				b.Errorf("%s reads %s without an index:\n%s\n%s", what, table, q.sql, plan)
			}
		}
		b.Logf("%s plan of %.60q…:\n%s", what, strings.Join(strings.Fields(q.sql), " "), plan)
	}
}
