package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
)

// PulseSignal is the signal key under which CSM pulses (from the pulse
// table, valued by scoring.PulseValue) join the feature pass.
const PulseSignal = "pulse"

// MaxLookbackDays is how far back a latest value without a window, and any
// observation that makes days_since defined, may lie: older data is not
// current state, and a daily run never scans all history.
const MaxLookbackDays = 180

// recentDays is the band before T (and before T−window for change) in which
// the pass itself picks the latest value; an older latest value (an account
// that stopped reporting) is fetched by one indexed follow-up query. Keeping
// the band narrow keeps the costly "value at the newest time" aggregate off
// most rows.
const recentDays = 3

const day = 24 * time.Hour

// pulseValueSQL values a pulse row's rating as scoring.PulseValue does.
var pulseValueSQL = fmt.Sprintf("(CASE rating WHEN 'healthy' THEN %d WHEN 'concerning' THEN %d ELSE %d END)::float8",
	scoring.PulseValueHealthy, scoring.PulseValueConcerning, scoring.PulseValuePoor)

// Features computes every metric's feature at asOf for every account with
// data, in one pass of SQL aggregation over signal (and pulse), grouped by
// account and signal. Semantics follow scoring.Feature; windows are
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
// AgeDays is the age at asOf of the newest observation of the signal.
func (s *Store) Features(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, error) {
	p := newFeaturePlan(asOf, metrics)
	out := scoring.FeatureSet{}
	if len(p.signals) == 0 {
		return out, nil
	}
	var pending []*featureGroup
	err := s.scanFeatureGroups(ctx, p, func(g *featureGroup) {
		if len(g.missing) > 0 {
			pending = append(pending, g)
			return
		}
		p.emit(out, g)
	})
	if err != nil {
		return nil, err
	}
	if err := s.fillOlderValues(ctx, pending); err != nil {
		return nil, err
	}
	for _, g := range pending {
		p.emit(out, g)
	}
	return out, nil
}

// featurePlan is the generated query for one catalog at one as-of time.
type featurePlan struct {
	asOf       time.Time
	metrics    []scoring.Metric
	bySignal   map[string][]int // signal key → indexes into metrics
	signals    []string         // signals read from the signal table
	pulse      bool             // whether pulses join the pass
	sumWindows []int            // distinct windows of sum and mean
	chgWindows []int            // distinct windows of change
	daysSince  bool
	from       time.Time
}

func newFeaturePlan(asOf time.Time, metrics []scoring.Metric) *featurePlan {
	p := &featurePlan{asOf: asOf, metrics: metrics, bySignal: map[string][]int{}}
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
		case scoring.FeatureSum, scoring.FeatureMean:
			p.sumWindows = appendUnique(p.sumWindows, m.WindowDays)
		case scoring.FeatureChange:
			p.chgWindows = appendUnique(p.chgWindows, m.WindowDays)
		case scoring.FeatureDaysSince:
			p.daysSince = true
		}
		lookback = max(lookback, lookbackDays(m))
	}
	if p.pulse {
		p.signals = append(p.signals, PulseSignal) // sent pulses count too
	}
	p.from = asOf.Add(-time.Duration(lookback) * day)
	return p
}

// lookbackDays is how far before T a metric's feature may read.
func lookbackDays(m scoring.Metric) int {
	switch {
	case m.Feature == scoring.FeatureChange:
		return 2 * m.WindowDays
	case m.Feature == scoring.FeatureDaysSince:
		return max(m.WindowDays, MaxLookbackDays)
	case m.WindowDays <= 0:
		return MaxLookbackDays
	}
	return m.WindowDays
}

func appendUnique(xs []int, x int) []int {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func (p *featurePlan) windowStart(days int) time.Time { return p.asOf.Add(-time.Duration(days) * day) }

// query builds the one-pass aggregation. Every bound is a parameter; the
// column list depends only on the distinct windows.
func (p *featurePlan) query() (string, []any) {
	args := []any{p.asOf, p.from, p.signals, p.asOf.Add(-recentDays * day)}
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	latest := "max(ARRAY[date_part('epoch', observed_at), value])"
	var b strings.Builder
	b.WriteString("SELECT account_id, metric, max(observed_at), ")
	b.WriteString(latest + " FILTER (WHERE observed_at > $4 OR dense), ")
	if p.daysSince {
		b.WriteString("max(observed_at) FILTER (WHERE value > 0)")
	} else {
		b.WriteString("NULL::timestamptz")
	}
	for _, w := range p.sumWindows {
		lo := arg(p.windowStart(w))
		fmt.Fprintf(&b, ", count(*) FILTER (WHERE observed_at > %[1]s), sum(value) FILTER (WHERE observed_at > %[1]s)", lo)
	}
	for _, w := range p.chgWindows {
		lo, band := arg(p.windowStart(w)), arg(p.windowStart(w+recentDays))
		fmt.Fprintf(&b, ", max(observed_at) FILTER (WHERE observed_at <= %[1]s), %[3]s FILTER (WHERE observed_at <= %[1]s AND (observed_at > %[2]s OR dense))",
			lo, band, latest)
	}
	b.WriteString(" FROM (SELECT account_id, metric, observed_at, value, false AS dense FROM signal" +
		" WHERE observed_at > $2 AND observed_at <= $1 AND metric = ANY($3)")
	if p.pulse {
		fmt.Fprintf(&b, " UNION ALL SELECT account_id, '%s', answered_at, %s, true"+
			" FROM pulse WHERE answered_at > $2 AND answered_at <= $1", PulseSignal, pulseValueSQL)
	}
	b.WriteString(") o GROUP BY account_id, metric")
	return b.String(), args
}

// featureGroup is one (account, signal) row of the pass.
type featureGroup struct {
	account    int64
	signal     string
	newest     time.Time
	latest     float64
	newestPos  *time.Time
	sums       []windowSum
	thens      []thenValue
	missing    []*olderValue // values older than the recent band, to fetch
	latestFrom *olderValue
}

type windowSum struct {
	n   int64
	sum *float64
}

type thenValue struct {
	at    *time.Time
	value float64
	older *olderValue
}

// olderValue is a value at a known time the pass did not carry.
type olderValue struct {
	at    time.Time
	value float64
	found bool
}

// valueAt reads the pass's [epoch, value] pair when it is the observation
// at `at` (the newest), not an older one the band happened to hold.
func valueAt(pair []float64, at time.Time) (float64, bool) {
	if len(pair) != 2 {
		return 0, false
	}
	if d := pair[0] - float64(at.UnixMicro())/1e6; d > 1e-3 || d < -1e-3 {
		return 0, false
	}
	return pair[1], true
}

func (s *Store) scanFeatureGroups(ctx context.Context, p *featurePlan, fn func(*featureGroup)) error {
	sql, args := p.query()
	rows, err := s.db.Query(ctx, sql, args...)
	if err != nil {
		return fmt.Errorf("features: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var recent []float64
		g := &featureGroup{sums: make([]windowSum, len(p.sumWindows)), thens: make([]thenValue, len(p.chgWindows))}
		thenRecent := make([][]float64, len(p.chgWindows))
		dest := []any{&g.account, &g.signal, &g.newest, &recent, &g.newestPos}
		for i := range g.sums {
			dest = append(dest, &g.sums[i].n, &g.sums[i].sum)
		}
		for i := range g.thens {
			dest = append(dest, &g.thens[i].at, &thenRecent[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("features: scan: %w", err)
		}
		if v, ok := valueAt(recent, g.newest); ok {
			g.latest = v
		} else {
			g.latestFrom = &olderValue{at: g.newest}
			g.missing = append(g.missing, g.latestFrom)
		}
		for i := range g.thens {
			t := &g.thens[i]
			if t.at == nil {
				continue
			}
			if v, ok := valueAt(thenRecent[i], *t.at); ok {
				t.value = v
				continue
			}
			t.older = &olderValue{at: *t.at}
			g.missing = append(g.missing, t.older)
		}
		fn(g)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	return nil
}

// fillOlderValues fetches, in one indexed query, the values the pass left
// out because they were older than the recent band.
func (s *Store) fillOlderValues(ctx context.Context, groups []*featureGroup) error {
	var (
		accounts []int64
		signals  []string
		times    []time.Time
		targets  []*olderValue
	)
	for _, g := range groups {
		for _, m := range g.missing {
			accounts, signals, times = append(accounts, g.account), append(signals, g.signal), append(times, m.at)
			targets = append(targets, m)
		}
	}
	if len(targets) == 0 {
		return nil
	}
	rows, err := s.db.Query(ctx, `
WITH k AS (
  SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS k(account_id, metric, observed_at, i)
)
SELECT i, max(value) FROM (
  SELECT k.i, s.value FROM k
  JOIN signal s ON s.account_id = k.account_id AND s.metric = k.metric AND s.observed_at = k.observed_at
  UNION ALL
  SELECT k.i, `+pulseValueSQL+` FROM k
  JOIN pulse p ON p.account_id = k.account_id AND k.metric = $4 AND p.answered_at = k.observed_at
) v GROUP BY i`, accounts, signals, times, PulseSignal)
	if err != nil {
		return fmt.Errorf("features: older values: %w", err)
	}
	found, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (struct {
		i int64
		v float64
	}, error) {
		var x struct {
			i int64
			v float64
		}
		return x, r.Scan(&x.i, &x.v)
	})
	if err != nil {
		return fmt.Errorf("features: older values: %w", err)
	}
	for _, f := range found {
		targets[f.i-1].value, targets[f.i-1].found = f.v, true
	}
	return nil
}

// emit turns one group into the features of every metric reading its signal.
func (p *featurePlan) emit(out scoring.FeatureSet, g *featureGroup) {
	age := p.asOf.Sub(g.newest).Hours() / 24
	latest, hasLatest := g.latest, true
	if g.latestFrom != nil {
		latest, hasLatest = g.latestFrom.value, g.latestFrom.found
	}
	for _, i := range p.bySignal[g.signal] {
		m := p.metrics[i]
		v, ok := p.feature(m, g, latest, hasLatest)
		if !ok {
			continue
		}
		acc := out[g.account]
		if acc == nil {
			acc = map[string]scoring.FeatureValue{}
			out[g.account] = acc
		}
		acc[m.Key] = scoring.FeatureValue{Value: v, AgeDays: age}
	}
}

func (p *featurePlan) feature(m scoring.Metric, g *featureGroup, latest float64, hasLatest bool) (float64, bool) {
	if !g.newest.After(p.windowStart(lookbackDays(m))) {
		return 0, false // the scan reached further back for another metric
	}
	inWindow := hasLatest && (m.WindowDays <= 0 || g.newest.After(p.windowStart(m.WindowDays)))
	switch m.Feature {
	case scoring.FeatureLatest:
		return latest, inWindow
	case scoring.FeatureSum, scoring.FeatureMean:
		ws := g.sums[slices.Index(p.sumWindows, m.WindowDays)]
		if ws.n == 0 || ws.sum == nil {
			return 0, false
		}
		if m.Feature == scoring.FeatureMean {
			return *ws.sum / float64(ws.n), true
		}
		return *ws.sum, true
	case scoring.FeatureChange:
		t := g.thens[slices.Index(p.chgWindows, m.WindowDays)]
		if !inWindow || t.at == nil || !t.at.After(p.windowStart(2*m.WindowDays)) {
			return 0, false
		}
		then := t.value
		if t.older != nil {
			if !t.older.found {
				return 0, false
			}
			then = t.older.value
		}
		return relativeChange(latest, then)
	case scoring.FeatureDaysSince:
		lo := p.windowStart(m.WindowDays)
		if g.newestPos == nil || !g.newestPos.After(lo) {
			return float64(m.WindowDays), true
		}
		return p.asOf.Sub(*g.newestPos).Hours() / 24, true
	}
	return 0, false
}

// relativeChange is (now−then)/|then|; from zero it is undefined unless
// nothing changed.
func relativeChange(now, then float64) (float64, bool) {
	if then == 0 {
		return 0, now == 0
	}
	if then < 0 {
		return (now - then) / -then, true
	}
	return (now - then) / then, true
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
