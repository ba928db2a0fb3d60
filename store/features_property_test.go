package store_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// The one-pass SQL of Store.Features must compute exactly what
// scoring.FeaturesOf defines, for random observations (ties, zeros,
// negatives, values on window boundaries, signals sent daily, weekly,
// monthly or once), random as-of times and random catalogs of every
// feature kind and window, pulses included.
func TestFeaturesEqualTheReference(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			checkFeaturesAgainstReference(t, seed, 25)
		})
	}
}

// propBase is the middle of the generated history; as-of times fall around it.
var propBase = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

const propAccounts = 30

// propSignals are the signals of the generated data; store.PulseSignal
// comes from the pulse table.
var propSignals = []string{"logins", "tickets_open", "seats_purchased"}

// propWindows are the windows metrics draw from: the recent band's edges
// (8 days), the lookback's (180) and ordinary ones.
var propWindows = []int{1, 3, 7, 8, 9, 14, 28, 30, 31, 60, 90, 179, 180, 181, 365}

func checkFeaturesAgainstReference(t *testing.T, seed uint64, rounds int) {
	ctx := context.Background()
	tx := storetest.Tx(t)
	s := store.New(tx)
	rng := rand.New(rand.NewPCG(seed, 0xfea7))
	obs, decoys := propObservations(t, ctx, s, tx, rng)

	// How many features of each kind were present and missing, so the test
	// shows it compared something of every kind.
	present, missing := map[scoring.Feature]int{}, map[scoring.Feature]int{}
	for round := range rounds {
		asOf := propBase.AddDate(0, 0, rng.IntN(90)-60)
		if rng.IntN(3) == 0 {
			asOf = asOf.Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))).Truncate(time.Microsecond)
		}
		metrics := propCatalog(rng, round)
		got, err := s.Features(ctx, asOf, metrics)
		require.NoError(t, err)
		want := scoring.FeaturesOf(asOf, metrics, obs)
		if diffs := featureDiffs(got, want, obs, asOf); len(diffs) > 0 {
			t.Fatalf("seed %d round %d, as of %s, %d metrics (%d decoy pulse-named signal rows): Store.Features disagrees with scoring.FeaturesOf:\n%s",
				seed, round, asOf.Format(time.RFC3339Nano), len(metrics), decoys, strings.Join(diffs, "\n"))
		}
		for _, m := range metrics {
			n := 0
			for _, acct := range want {
				if _, ok := acct[m.Key]; ok {
					n++
				}
			}
			present[m.Feature] += n
			missing[m.Feature] += propAccounts - n
		}
	}
	for _, k := range []scoring.Feature{scoring.FeatureLatest, scoring.FeatureSum, scoring.FeatureMean, scoring.FeatureChange, scoring.FeatureDaysSince} {
		require.Greater(t, present[k], 50, "%s: too few present features to compare", k)
		require.Greater(t, missing[k], 50, "%s: too few missing features to compare", k)
	}
	t.Logf("compared present %v, missing %v", present, missing)
}

// propObservations writes random accounts, signals and pulses and returns
// what the reference sees: the signals, and the pulses as observations of
// store.PulseSignal valued by scoring.PulseValue. Signal rows under the
// pulse key (decoys) are written but not returned: they are not pulses.
func propObservations(t *testing.T, ctx context.Context, s *store.Store, tx pgx.Tx, rng *rand.Rand) ([]scoring.Observation, int) {
	t.Helper()
	var obs []scoring.Observation
	var rows [][]any
	decoys := 0
	add := func(o scoring.Observation, write bool) {
		// Its own source per row: the old unique key per row, so draws that
		// repeat a time stay two observations under signal's natural key.
		rows = append(rows, []any{o.AccountID, o.Metric, o.ObservedAt, o.Value, fmt.Sprintf("prop%d", len(rows))})
		if write {
			obs = append(obs, o)
		}
	}
	for i := range propAccounts {
		id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: fmt.Sprintf("prop-%d", i), Name: fmt.Sprintf("Prop %d", i)})
		require.NoError(t, err)
		for _, sig := range propSignals {
			for _, at := range propTimes(rng) {
				o := scoring.Observation{AccountID: id, Metric: sig, ObservedAt: at, Value: propValue(rng)}
				add(o, true)
				if rng.IntN(8) == 0 { // a second source at the same time
					o.Value = propValue(rng)
					add(o, true)
				}
			}
		}
		if rng.IntN(4) == 0 {
			at := propBase.AddDate(0, 0, -rng.IntN(30))
			add(scoring.Observation{AccountID: id, Metric: store.PulseSignal, ObservedAt: at, Value: 99}, false)
			decoys++
		}
		weeks := map[string]bool{}
		for _, at := range propTimes(rng) {
			w := scoring.ISOWeek(at)
			if weeks[w] {
				continue // one pulse per account and week
			}
			weeks[w] = true
			rating := []scoring.Rating{scoring.RatingHealthy, scoring.RatingConcerning, scoring.RatingPoor}[rng.IntN(3)]
			_, err := tx.Exec(ctx, `INSERT INTO pulse (account_id, rating, week, answered_at) VALUES ($1, $2, $3, $4)`, id, string(rating), w, at)
			require.NoError(t, err)
			v, _ := scoring.PulseValue(rating)
			obs = append(obs, scoring.Observation{AccountID: id, Metric: store.PulseSignal, ObservedAt: at, Value: v})
		}
	}
	require.NoError(t, s.EnsurePartitions(ctx, propBase.AddDate(0, 0, -420), propBase.AddDate(0, 0, 60)))
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"signal"}, []string{"account_id", "metric", "observed_at", "value", "source"},
		pgx.CopyFromRows(rows))
	require.NoError(t, err)
	return obs, decoys
}

// propTimes draws one account's observation times of one signal: none, one,
// daily or weekly for a stretch, or monthly; on whole days (so as-of
// windows end exactly on them), half days, a microsecond either side of a
// day, or anywhere.
func propTimes(rng *rand.Rand) []time.Time {
	span := 480 // days, from propBase−420 to propBase+60
	first := propBase.AddDate(0, 0, -420)
	var days []int
	switch rng.IntN(6) {
	case 0:
	case 1:
		days = []int{rng.IntN(span)}
	case 2: // daily for a stretch
		a := rng.IntN(span)
		for d := a; d < min(span, a+1+rng.IntN(120)); d++ {
			days = append(days, d)
		}
	case 3: // weekly
		for d := rng.IntN(7); d < span; d += 7 {
			days = append(days, d)
		}
	case 4: // monthly
		for d := rng.IntN(30); d < span; d += 30 {
			days = append(days, d)
		}
	default: // scattered
		for range rng.IntN(40) {
			days = append(days, rng.IntN(span))
		}
	}
	out := make([]time.Time, 0, len(days))
	for _, d := range days {
		at := first.AddDate(0, 0, d)
		switch rng.IntN(6) {
		case 0:
			at = at.Add(12 * time.Hour)
		case 1:
			at = at.Add(time.Microsecond)
		case 2:
			at = at.Add(-time.Microsecond)
		case 3:
			at = at.Add(time.Duration(rng.Int64N(int64(24 * time.Hour)))).Truncate(time.Microsecond)
		}
		out = append(out, at)
	}
	return out
}

// propValue draws a value: often 0 (days_since skips those), small counts,
// negatives, decimals whose sums depend on the order of addition, large.
func propValue(rng *rand.Rand) float64 {
	switch rng.IntN(8) {
	case 0, 1:
		return 0
	case 2:
		return float64(rng.IntN(5))
	case 3:
		return -float64(1 + rng.IntN(20))
	case 4:
		return []float64{0.1, 0.2, 0.3, 0.7}[rng.IntN(4)]
	case 5:
		return math.Round(rng.NormFloat64()*50000) / 1000
	case 6:
		return 1e6 * rng.Float64()
	}
	return 1
}

// propCatalog is a random catalog: every feature kind on every signal
// (pulse too) with random windows, or a random few of them, so windows
// read by sum only, mean only or both, and signals read by one metric or
// several, all occur.
func propCatalog(rng *rand.Rand, round int) []scoring.Metric {
	kinds := []scoring.Feature{scoring.FeatureLatest, scoring.FeatureSum, scoring.FeatureMean, scoring.FeatureChange, scoring.FeatureDaysSince}
	var out []scoring.Metric
	seen := map[string]bool{}
	for _, sig := range append(slices.Clone(propSignals), store.PulseSignal) {
		for _, k := range kinds {
			for range 1 + rng.IntN(2) {
				w := propWindows[rng.IntN(len(propWindows))]
				if k == scoring.FeatureLatest && rng.IntN(2) == 0 {
					w = 0
				}
				key := fmt.Sprintf("%s_%s_%d", sig, k, w)
				if seen[key] {
					continue
				}
				seen[key] = true
				out = append(out, scoring.Metric{Key: key, Signal: sig, Feature: k, WindowDays: w})
			}
		}
	}
	if round%2 == 1 { // a random subset
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		out = out[:1+rng.IntN(len(out))]
	}
	return out
}

// featureDiffs lists every account and metric where got and want differ,
// with the observations behind it.
func featureDiffs(got, want scoring.FeatureSet, obs []scoring.Observation, asOf time.Time) []string {
	var diffs []string
	accounts := map[int64]bool{}
	for a := range got {
		accounts[a] = true
	}
	for a := range want {
		accounts[a] = true
	}
	for a := range accounts {
		keys := map[string]bool{}
		for k := range got[a] {
			keys[k] = true
		}
		for k := range want[a] {
			keys[k] = true
		}
		for k := range keys {
			g, gok := got[a][k]
			w, wok := want[a][k]
			if gok == wok && closeEnough(g.Value, w.Value) && closeEnough(g.AgeDays, w.AgeDays) {
				continue
			}
			diffs = append(diffs, fmt.Sprintf("  account %d %s: store %v (present %v), reference %v (present %v); observations: %s",
				a, k, g, gok, w, wok, propHistory(obs, a, k, asOf)))
			if len(diffs) == 10 {
				return diffs
			}
		}
	}
	return diffs
}

// closeEnough allows the store's rounding to 12 significant digits.
func closeEnough(a, b float64) bool {
	return math.Abs(a-b) <= 1e-10*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// propHistory is an account's observations of a metric key's signal, as
// "days before asOf:value".
func propHistory(obs []scoring.Observation, account int64, key string, asOf time.Time) string {
	sig := key
	for _, s := range append(slices.Clone(propSignals), store.PulseSignal) {
		if strings.HasPrefix(key, s+"_") {
			sig = s
		}
	}
	var parts []string
	for _, o := range obs {
		if o.AccountID == account && o.Metric == sig {
			parts = append(parts, fmt.Sprintf("%.6fd:%g", asOf.Sub(o.ObservedAt).Hours()/24, o.Value))
		}
	}
	slices.Sort(parts)
	if len(parts) > 40 {
		parts = append(parts[:40], "…")
	}
	return strings.Join(parts, " ")
}
