package scoring

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// MaxLookbackDays is how far back a latest value without a window, and any
// observation that makes days_since defined, may lie: older data is not
// current state, and a daily run never scans all history.
const MaxLookbackDays = 180

// LookbackDays is how far before T a metric's feature may read: its newest
// observation must lie in (T − LookbackDays, T] for the feature to exist.
func LookbackDays(m Metric) int {
	switch {
	case m.Feature == FeatureChange:
		return 2 * m.WindowDays
	case m.Feature == FeatureDaysSince:
		return max(m.WindowDays, MaxLookbackDays)
	case m.WindowDays <= 0:
		return MaxLookbackDays
	}
	return m.WindowDays
}

// RelativeChange is (now−then)/|then|; from zero it is undefined unless
// nothing changed (then it is 0).
func RelativeChange(now, then float64) (float64, bool) {
	if then == 0 {
		return 0, now == 0
	}
	return (now - then) / math.Abs(then), true
}

// FeatureOf is the definition of a metric's feature at asOf, computed from
// one account's observations of the metric's signal (in any order; those
// after asOf are never seen). store.Features is the fast path over the
// signal table and must agree with it. Windows are (asOf−window, asOf]:
//
//   - the feature exists only when the newest observation at or before asOf
//     lies within LookbackDays(m) (for latest: its window, else
//     MaxLookbackDays; change: two windows; days_since: max(window,
//     MaxLookbackDays));
//   - latest: the value at that newest time;
//   - sum, mean: over the observations in the window; none → missing;
//   - change: RelativeChange(now, then), now the value at the newest time in
//     the window and then the value at the newest time in
//     (asOf−2·window, asOf−window]; either missing → missing;
//   - days_since: days from the newest observation with a value > 0 in the
//     window to asOf, or the window length when there is none.
//
// "The value at a time" is the largest of the observations at that time;
// in sums and means every observation counts once. AgeDays is the age at
// asOf of the newest observation.
func FeatureOf(m Metric, asOf time.Time, obs []Observation) (FeatureValue, bool) {
	start := func(days int) time.Time { return asOf.Add(-time.Duration(days) * 24 * time.Hour) }
	newest, ok := newestIn(obs, start(LookbackDays(m)), asOf)
	if !ok {
		return FeatureValue{}, false
	}
	fv := FeatureValue{AgeDays: asOf.Sub(newest.ObservedAt).Hours() / 24}
	switch m.Feature {
	case FeatureLatest:
		fv.Value = newest.Value
		return fv, true
	case FeatureSum, FeatureMean:
		var in []float64
		for _, o := range obs {
			if within(o, start(m.WindowDays), asOf) {
				in = append(in, o.Value)
			}
		}
		if len(in) == 0 {
			return FeatureValue{}, false
		}
		// Summed in value order, so the result does not depend on the
		// order the observations came in.
		slices.Sort(in)
		sum := 0.0
		for _, v := range in {
			sum += v
		}
		fv.Value = sum
		if m.Feature == FeatureMean {
			fv.Value = sum / float64(len(in))
		}
		return fv, true
	case FeatureChange:
		now, okNow := newestIn(obs, start(m.WindowDays), asOf)
		then, okThen := newestIn(obs, start(2*m.WindowDays), start(m.WindowDays))
		if !okNow || !okThen {
			return FeatureValue{}, false
		}
		v, ok := RelativeChange(now.Value, then.Value)
		if !ok {
			return FeatureValue{}, false
		}
		fv.Value = v
		return fv, true
	case FeatureDaysSince:
		fv.Value = float64(m.WindowDays)
		var seen time.Time
		for _, o := range obs {
			if o.Value > 0 && within(o, start(m.WindowDays), asOf) && o.ObservedAt.After(seen) {
				seen = o.ObservedAt
			}
		}
		if !seen.IsZero() {
			fv.Value = asOf.Sub(seen).Hours() / 24
		}
		return fv, true
	}
	return FeatureValue{}, false
}

// FeaturesOf computes every metric's feature for every account from
// observations of any accounts and signals, by FeatureOf: the reference the
// store's one-pass SQL is held to.
func FeaturesOf(asOf time.Time, metrics []Metric, obs []Observation) FeatureSet {
	type group struct {
		account int64
		signal  string
	}
	groups := map[group][]Observation{}
	for _, o := range obs {
		g := group{o.AccountID, o.Metric}
		groups[g] = append(groups[g], o)
	}
	out := FeatureSet{}
	for g, os := range groups {
		for _, m := range metrics {
			if m.SignalKey() != g.signal {
				continue
			}
			fv, ok := FeatureOf(m, asOf, os)
			if !ok {
				continue
			}
			if out[g.account] == nil {
				out[g.account] = map[string]FeatureValue{}
			}
			out[g.account][m.Key] = fv
		}
	}
	return out
}

// within reports whether o lies in (lo, hi].
func within(o Observation, lo, hi time.Time) bool {
	return o.ObservedAt.After(lo) && !o.ObservedAt.After(hi)
}

// newestIn is the observation at the newest time in (lo, hi], the largest
// value among several at that time.
func newestIn(obs []Observation, lo, hi time.Time) (Observation, bool) {
	var best Observation
	found := false
	for _, o := range obs {
		if !within(o, lo, hi) {
			continue
		}
		if !found || cmp.Or(o.ObservedAt.Compare(best.ObservedAt), cmp.Compare(o.Value, best.Value)) > 0 {
			best, found = o, true
		}
	}
	return best, found
}
