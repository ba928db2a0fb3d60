package store

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/scoring"
)

// PulseSignal is the signal key under which CSM pulses (from the pulse
// table, valued by scoring.PulseValue) join the feature pass. Rows of the
// signal table under this key are not read.
const PulseSignal = "pulse"

// MaxLookbackDays is how far back a latest value without a window, and any
// observation that makes days_since defined, may lie (scoring.MaxLookbackDays).
const MaxLookbackDays = scoring.MaxLookbackDays

// recentDays is the band before T, and before the end of each change
// window, in which the pass itself picks the value at the newest time. An
// older one (a signal sent monthly, an account that stopped reporting) is
// fetched by one indexed follow-up query. Keeping the bands narrow keeps
// the costly "value at the newest time" aggregate off most rows; a week
// covers weekly signals.
const recentDays = 8

const day = 24 * time.Hour

// Features computes every metric's feature at asOf for every account with
// data, in one pass of SQL aggregation over signal (pulses are few and
// read apart, pulseFeatures), grouped by
// account and signal. It is the fast path of scoring.FeaturesOf, the
// definition, and a property test holds the two equal; windows are
// (asOf−window, asOf]:
//   - latest: the newest value at or before asOf, within the window if set,
//     else within MaxLookbackDays;
//   - sum, mean: over the observations in the window; none → missing;
//   - change: (now−then)/|then| with now the latest value in the window and
//     then the latest in (asOf−2·window, asOf−window]; then = 0 → missing
//     unless now = 0 (→ 0);
//   - days_since: days from the newest value > 0 to asOf, the window length
//     when none is in the window; missing when the account has no
//     observation of the signal within max(window, MaxLookbackDays).
//
// Several observations at the same time count once each in sums and means;
// as "the value at a time" the largest wins. AgeDays is the age at asOf of
// the newest observation of the signal.
func (s *Store) Features(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, error) {
	fs, _, err := s.FeaturesSeen(ctx, asOf, metrics)
	return fs, err
}

// FeaturesSeen is Features, and also lists the signal keys the pass met
// in its window that no metric reads, sorted: metric discovery learns of a
// new signal from the daily pass at no extra scan.
func (s *Store) FeaturesSeen(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, []string, error) {
	p := newFeaturePlan(asOf, metrics)
	out := scoring.FeatureSet{}
	if len(p.signals) == 0 && !p.pulse {
		return out, nil, nil
	}
	err := s.featurePass(ctx, p, out)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == numericValueOutOfRange && !p.inRangeOnly {
		// A value outside intake's range (stored before that rule, or
		// written around it) overflowed an aggregate: pass again without
		// such values, so that data cannot fail the whole portfolio. The
		// filter costs every row, so only this slow path pays for it.
		p.inRangeOnly, out, p.unread = true, scoring.FeatureSet{}, map[string]bool{}
		err = s.featurePass(ctx, p, out)
	}
	if err != nil {
		return nil, nil, err
	}
	return out, slices.Sorted(maps.Keys(p.unread)), nil
}

// featurePass runs the plan's aggregation and its follow-up look-ups in
// one transaction, emitting every feature into out.
func (s *Store) featurePass(ctx context.Context, p *featurePlan, out scoring.FeatureSet) error {
	return s.InTx(ctx, func(tx *Store) error {
		if p.pulse {
			if err := tx.pulseFeatures(ctx, p, out); err != nil {
				return err
			}
		}
		if len(p.signals) == 0 {
			return nil
		}
		if _, err := tx.db.Exec(ctx, featureSettings); err != nil {
			return fmt.Errorf("features: %w", err)
		}
		var pending []*featureGroup
		err := tx.scanFeatureGroups(ctx, p, func(g *featureGroup) {
			if len(g.lookups) > 0 {
				pending = append(pending, g.clone())
				return
			}
			p.emit(out, g)
		})
		if err != nil {
			return err
		}
		if err := tx.lookUpOlder(ctx, pending); err != nil {
			return err
		}
		for _, g := range pending {
			p.emit(out, g)
		}
		return nil
	})
}

// featureSettings tune the pass for its transaction: enough memory for a
// hash table of every (account, signal) group, so it never spills to disk
// (about 300 bytes a group: 64 MB × hash_mem_multiplier covers 200,000
// groups), and JIT without inlining, whose compile time for a dozen
// filtered aggregates did not pay off on 18M rows (optimisation did).
const featureSettings = `SELECT set_config('work_mem', '64MB', true), set_config('jit_inline_above_cost', '-1', true)`

// featurePlan is the generated query for one catalog at one as-of time.
type featurePlan struct {
	asOf        time.Time
	metrics     []scoring.Metric
	bySignal    map[string][]int // signal key → indexes into metrics
	latestSigs  []string         // signals some metric needs the value at the newest time of
	chgSigs     map[int][]string // change window → signals a change metric over it reads
	signals     []string         // signals read from the signal table
	pulse       bool             // whether pulses join the pass
	windows     []int            // distinct windows of sum and mean
	sumWindows  []int            // those a sum uses
	meanWindows []int            // those a mean uses
	chgWindows  []int            // distinct windows of change
	daysWindow  int              // the longest days_since window (0: none)
	from        time.Time
	unread      map[string]bool // signals the pass met that no metric reads
	inRangeOnly bool            // leave values outside intake's range out (the slow path)
}

func newFeaturePlan(asOf time.Time, metrics []scoring.Metric) *featurePlan {
	p := &featurePlan{asOf: asOf, metrics: metrics, bySignal: map[string][]int{}, chgSigs: map[int][]string{}, unread: map[string]bool{}}
	lookback := 0
	for i, m := range metrics {
		sig := m.SignalKey()
		if _, seen := p.bySignal[sig]; !seen {
			if sig == PulseSignal {
				p.pulse = true
			} else {
				p.signals = append(p.signals, sig)
			}
		}
		p.bySignal[sig] = append(p.bySignal[sig], i)
		switch m.Feature {
		case scoring.FeatureLatest:
			p.latestSigs = appendUnique(p.latestSigs, sig)
		case scoring.FeatureSum:
			p.windows = appendUnique(p.windows, m.WindowDays)
			p.sumWindows = appendUnique(p.sumWindows, m.WindowDays)
		case scoring.FeatureMean:
			p.windows = appendUnique(p.windows, m.WindowDays)
			p.meanWindows = appendUnique(p.meanWindows, m.WindowDays)
		case scoring.FeatureChange:
			p.latestSigs = appendUnique(p.latestSigs, sig)
			p.chgWindows = appendUnique(p.chgWindows, m.WindowDays)
			p.chgSigs[m.WindowDays] = appendUnique(p.chgSigs[m.WindowDays], sig)
		case scoring.FeatureDaysSince:
			p.daysWindow = max(p.daysWindow, m.WindowDays)
		}
		lookback = max(lookback, scoring.LookbackDays(m))
	}
	p.from = asOf.Add(-time.Duration(lookback) * day)
	return p
}

func appendUnique[T comparable](xs []T, x T) []T {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func (p *featurePlan) windowStart(days int) time.Time { return p.asOf.Add(-time.Duration(days) * day) }

// query builds the one-pass aggregation over signal. Pulses, a few rows a
// week per account, are not part of it (pulseFeatures): a second aggregate
// in the query cost its own parallel plan and JIT compilation in every
// worker. The query does not filter by signal at all: Postgres
// pushes a HAVING on a grouping column down to every row, and testing each
// row's metric against the catalog took a quarter of the pass, more than
// aggregating the few signals a catalog does not read; scanFeatureGroups
// drops their groups as they arrive. Every bound is a parameter; the
// column list depends only on the distinct windows. "Value
// at the newest time" is max([epoch, value]) over a narrow band and only
// for the signals that need it.
func (p *featurePlan) query() (string, []any) {
	args := []any{p.asOf, p.from}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	q := "SELECT account_id, metric, " + p.aggregates(arg) + " FROM signal" +
		" WHERE observed_at > $2 AND observed_at <= $1" + p.rangeFilter() + " GROUP BY account_id, metric"
	return q, args
}

// inRange keeps values outside intake's range for signals (valid.Signal)
// out of the pass: a row stored before that rule, or written around the
// intake, must not overflow a sum (SQLSTATE 22003) and fail the scoring of
// the whole portfolio. Such values are ignored; the account is scored on
// the rest of its data.
// numericValueOutOfRange is Postgres's SQLSTATE for an overflowed aggregate.
const numericValueOutOfRange = "22003"

// rangeFilter is inRange on the slow path (see FeaturesSeen), else nothing.
func (p *featurePlan) rangeFilter() string {
	if p.inRangeOnly {
		return inRange
	}
	return ""
}

var inRange = fmt.Sprintf(" AND value BETWEEN (%g)::float8 AND (%g)::float8", valid.Signal.Min, valid.Signal.Max)

// aggregates is the select list of the pass.
func (p *featurePlan) aggregates(arg func(any) string) string {
	// pair is max([epoch, value]) under a filter, read as its two elements
	// (Postgres computes the aggregate once) so Go decodes no arrays.
	pair := func(filter string) string {
		s := fmt.Sprintf("(max(ARRAY[date_part('epoch', observed_at), value]) FILTER (WHERE %s))", filter)
		return s + "[1], " + s + "[2]"
	}
	var sig strings.Builder
	add := func(s string) { sig.WriteString(s) }
	add("max(observed_at), ")
	add(pair("observed_at > "+arg(p.windowStart(recentDays))+" AND metric = ANY("+arg(p.latestSigs)+")") + ", ")
	// days_since only needs the newest value > 0 inside its window.
	if p.daysWindow > 0 {
		add("max(observed_at) FILTER (WHERE observed_at > " + arg(p.windowStart(p.daysWindow)) + " AND value > 0)")
	} else {
		add("NULL::timestamptz")
	}
	// Per window one aggregate where one will do: sum for sums, avg for
	// means, sum and count when both read the window.
	for _, w := range p.windows {
		filter := " FILTER (WHERE observed_at > " + arg(p.windowStart(w)) + ")"
		switch sum, mean := slices.Contains(p.sumWindows, w), slices.Contains(p.meanWindows, w); {
		case sum && mean:
			add(", sum(value)" + filter + ", count(*)" + filter)
		case sum:
			add(", sum(value)" + filter + ", 0::bigint")
		default:
			add(", avg(value)" + filter + ", 0::bigint")
		}
	}
	// The "then" of a change is the value at the newest time in
	// (T−2w, T−w]; the pass picks it in the band of recentDays at the end
	// of that window (thenBand), resolve looks up an older one. Filters test
	// time before signal: a text comparison per row costs more than two time
	// comparisons.
	for _, w := range p.chgWindows {
		hi, lo, sigs := arg(p.windowStart(w)), arg(p.thenBand(w)), arg(p.chgSigs[w])
		add(", " + pair("observed_at <= "+hi+" AND observed_at > "+lo+" AND metric = ANY("+sigs+")"))
	}
	// The oldest observation says whether a then the band missed can exist
	// at all: a young account's history does not reach back that far, and
	// one unfiltered min spares it a look-up per change window.
	if len(p.chgWindows) > 0 {
		add(", min(observed_at)")
	}
	return sig.String()
}

// thenBand is where the pass's band for the "then" of a change over w
// days starts: recentDays before the window's start, or at its previous
// window's start when that is nearer.
func (p *featurePlan) thenBand(w int) time.Time {
	return p.windowStart(w + min(w, recentDays))
}

// featureGroup is one (account, signal) row of the pass.
type featureGroup struct {
	account   int64
	signal    string
	newest    time.Time
	latest    obsValue           // the value at newest
	newestPos pgtype.Timestamptz // newest time with a value > 0, in the days_since window
	sums      []windowSum        // per featurePlan.windows: sum or avg, and count when both are read
	thens     []obsValue         // per featurePlan.chgWindows: newest in (T−2w, T−w]
	oldest    time.Time          // oldest time in the pass (read when a change is)
	lookups   []lookup           // values the pass did not carry
}

type windowSum struct {
	v pgtype.Float8
	n int64
}

// obsValue is one observation's value; ok is false when there is none.
type obsValue struct {
	at    time.Time
	value float64
	ok    bool
}

// lookup asks for the newest observation in (lo, hi] of the group's signal.
type lookup struct {
	into   *obsValue
	lo, hi time.Time
}

func (s *Store) scanFeatureGroups(ctx context.Context, p *featurePlan, fn func(*featureGroup)) error {
	sql, args := p.query()
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("features: %w", err)
	}
	defer rows.Close()
	// One row holder, reused: fn keeps a group only by copying it.
	var (
		g      = &featureGroup{sums: make([]windowSum, len(p.windows)), thens: make([]obsValue, len(p.chgWindows))}
		recent nullPair
		thens  = make([]nullPair, len(p.chgWindows))
		dest   = []any{&g.account, &g.signal, &g.newest, &recent.epoch, &recent.value, &g.newestPos}
	)
	for i := range g.sums {
		dest = append(dest, &g.sums[i].v, &g.sums[i].n)
	}
	for i := range thens {
		dest = append(dest, &thens[i].epoch, &thens[i].value)
	}
	if len(p.chgWindows) > 0 {
		dest = append(dest, &g.oldest)
	}
	for rows.Next() {
		g.lookups = g.lookups[:0]
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("features: scan: %w", err)
		}
		if g.signal == PulseSignal {
			continue // signal rows under the pulse key are not read (pulseFeatures)
		}
		if _, read := p.bySignal[g.signal]; !read {
			if !p.unread[g.signal] {
				p.unread[strings.Clone(g.signal)] = true
			}
			continue // a signal the catalog does not read
		}
		p.resolve(g, recent, thens)
		fn(g)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	return nil
}

// nullPair is max([epoch, value]) read as two columns; NULL when no row
// passed the filter. Value types, so scanning allocates nothing.
type nullPair struct{ epoch, value pgtype.Float8 }

func (n nullPair) obs() (obsValue, bool) {
	if !n.epoch.Valid || !n.value.Valid {
		return obsValue{}, false
	}
	at := time.UnixMicro(int64(math.Round(n.epoch.Float64 * 1e6))).UTC()
	return obsValue{at: at, value: n.value.Float64, ok: true}, true
}

// clone copies a group whose look-ups are pending, so the row holder can
// be reused; look-ups are re-pointed at the copy.
func (g *featureGroup) clone() *featureGroup {
	c := *g
	c.sums = slices.Clone(g.sums)
	c.thens = slices.Clone(g.thens)
	c.lookups = make([]lookup, len(g.lookups))
	for i, l := range g.lookups {
		c.lookups[i] = l
		if l.into == &g.latest {
			c.lookups[i].into = &c.latest
		}
		for j := range g.thens {
			if l.into == &g.thens[j] {
				c.lookups[i].into = &c.thens[j]
			}
		}
	}
	return &c
}

// resolve reads the pass's [epoch, value] pairs into the group and queues
// a look-up for a latest value older than the band.
func (p *featurePlan) resolve(g *featureGroup, recent nullPair, thens []nullPair) {
	g.latest = obsValue{}
	if slices.Contains(p.latestSigs, g.signal) {
		if v, ok := recent.obs(); ok && v.at.Equal(g.newest) {
			g.latest = v
		} else {
			g.lookups = append(g.lookups, lookup{into: &g.latest, lo: g.newest.Add(-time.Microsecond), hi: g.newest})
		}
	}
	for i, w := range p.chgWindows {
		var ok bool
		g.thens[i], ok = thens[i].obs()
		if ok || !g.newest.After(p.windowStart(w)) || !slices.Contains(p.chgSigs[w], g.signal) ||
			p.thenBand(w).Equal(p.windowStart(2*w)) || g.oldest.After(p.thenBand(w)) {
			continue // found; or no "now" for the change; or nothing older in its window
		}
		g.lookups = append(g.lookups, lookup{into: &g.thens[i], lo: p.windowStart(2 * w), hi: p.thenBand(w)})
	}
}

// lookUpOlder fetches, in one query of indexed look-ups, the values the
// pass left out because they were older than its band.
func (s *Store) lookUpOlder(ctx context.Context, groups []*featureGroup) error {
	var (
		accounts []int64
		signals  []string
		los, his []time.Time
		targets  []*obsValue
	)
	for _, g := range groups {
		for _, l := range g.lookups {
			accounts, signals = append(accounts, g.account), append(signals, g.signal)
			los, his, targets = append(los, l.lo), append(his, l.hi), append(targets, l.into)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	rows, err := s.db.Query(ctx, `
SELECT k.i, o.observed_at, o.value
FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) WITH ORDINALITY AS k(account_id, metric, lo, hi, i)
CROSS JOIN LATERAL (
	SELECT s.observed_at, max(s.value) AS value FROM signal s
	WHERE s.account_id = k.account_id AND s.metric = k.metric AND s.observed_at > k.lo AND s.observed_at <= k.hi`+inRange+`
	GROUP BY s.observed_at ORDER BY s.observed_at DESC LIMIT 1
) o`, accounts, signals, los, his)
	if err != nil {
		return fmt.Errorf("features: older values: %w", err)
	}
	var (
		i  int64
		at time.Time
		v  float64
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &at, &v}, func() error {
		*targets[i-1] = obsValue{at: at, value: v, ok: true}
		return nil
	})
	if err != nil {
		return fmt.Errorf("features: older values: %w", err)
	}
	return nil
}

// emit turns one group into the features of every metric reading its signal.
func (p *featurePlan) emit(out scoring.FeatureSet, g *featureGroup) {
	age := p.asOf.Sub(g.newest).Hours() / 24
	for _, i := range p.bySignal[g.signal] {
		m := p.metrics[i]
		if v, ok := p.feature(m, g); ok {
			p.put(out, g.account, m.Key, v, age)
		}
	}
}

// put stores one account's feature, rounded to featureDigits; a non-finite
// one (a change from ~0) is left out as missing.
func (p *featurePlan) put(out scoring.FeatureSet, account int64, key string, v, age float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	acc := out[account]
	if acc == nil {
		acc = make(map[string]scoring.FeatureValue, len(p.metrics))
		out[account] = acc
	}
	acc[key] = scoring.FeatureValue{Value: roundSig(v, featureDigits), AgeDays: age}
}

// featureDigits is how many significant digits a feature keeps. Postgres
// sums in whatever order it reads rows (parallel workers included), so the
// same observations can give sums a few ulps apart, and peer percentiles
// compare exactly: equal accounts would rank as unequal, and a re-run could
// move a score. No signal is measured to 12 digits.
const featureDigits = 12

// roundSig rounds v to digits significant digits.
func roundSig(v float64, digits int) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	exp := digits - 1 - int(math.Floor(math.Log10(math.Abs(v))))
	if exp > 300 || exp < -300 {
		return v // beyond Pow10's range: nothing that small or large is a measurement
	}
	if exp >= 0 {
		p := math.Pow10(exp)
		return math.Round(v*p) / p
	}
	p := math.Pow10(-exp)
	return math.Round(v/p) * p
}

func (p *featurePlan) feature(m scoring.Metric, g *featureGroup) (float64, bool) {
	if !g.newest.After(p.windowStart(scoring.LookbackDays(m))) {
		return 0, false // the scan reached further back for another metric
	}
	inWindow := m.WindowDays <= 0 || g.newest.After(p.windowStart(m.WindowDays))
	switch m.Feature {
	case scoring.FeatureLatest:
		return g.latest.value, inWindow && g.latest.ok
	case scoring.FeatureSum, scoring.FeatureMean:
		ws := g.sums[slices.Index(p.windows, m.WindowDays)]
		switch {
		case !ws.v.Valid:
			return 0, false // no observation in the window
		case m.Feature == scoring.FeatureMean && slices.Contains(p.sumWindows, m.WindowDays):
			return ws.v.Float64 / float64(ws.n), ws.n > 0 // sum and count
		}
		return ws.v.Float64, true // the sum, or avg for a mean-only window
	case scoring.FeatureChange:
		then := g.thens[slices.Index(p.chgWindows, m.WindowDays)]
		if !inWindow || !g.latest.ok || !then.ok || !then.at.After(p.windowStart(2*m.WindowDays)) {
			return 0, false
		}
		return scoring.RelativeChange(g.latest.value, then.value)
	case scoring.FeatureDaysSince:
		if !g.newestPos.Valid || !g.newestPos.Time.After(p.windowStart(m.WindowDays)) {
			return float64(m.WindowDays), true
		}
		return p.asOf.Sub(g.newestPos.Time).Hours() / 24, true
	}
	return 0, false
}

// SignalSpan is the time of the oldest and the newest observation in
// signal; ok is false when there is none. The backtest's default range
// comes from it.
func (s *Store) SignalSpan(ctx context.Context) (first, last time.Time, ok bool, err error) {
	var f, l *time.Time
	if err := s.db.QueryRow(ctx, `SELECT min(observed_at), max(observed_at) FROM signal`).Scan(&f, &l); err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("signal span: %w", err)
	}
	if f == nil || l == nil {
		return time.Time{}, time.Time{}, false, nil
	}
	return *f, *l, true, nil
}
