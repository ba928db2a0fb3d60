package scoring

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestFeatureOf(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	at := func(daysAgo float64, v float64) Observation {
		return Observation{AccountID: 1, Metric: "x", ObservedAt: asOf.Add(-time.Duration(daysAgo * float64(24*time.Hour))), Value: v}
	}
	m := func(f Feature, w int) Metric { return Metric{Key: "k", Signal: "x", Feature: f, WindowDays: w} }
	for _, c := range []struct {
		name   string
		metric Metric
		obs    []Observation
		want   FeatureValue
		absent bool
	}{
		{"latest ignores the future", m(FeatureLatest, 0), []Observation{at(10, 5), at(1, 7), at(-1, 99)}, FeatureValue{7, 1}, false},
		{"latest: the largest at the same time", m(FeatureLatest, 0), []Observation{at(20, 4), at(20, 3)}, FeatureValue{4, 20}, false},
		{"latest outside its window", m(FeatureLatest, 14), []Observation{at(20, 4)}, FeatureValue{}, true},
		{"latest beyond the lookback", m(FeatureLatest, 0), []Observation{at(MaxLookbackDays, 4)}, FeatureValue{}, true},
		{"sum: half-open window", m(FeatureSum, 7), []Observation{at(7, 100), at(6.5, 2), at(3, 4), at(0, 6)}, FeatureValue{12, 0}, false},
		{"mean", m(FeatureMean, 7), []Observation{at(7, 100), at(6.5, 2), at(3, 4), at(0, 6)}, FeatureValue{4, 0}, false},
		{"sum of nothing is missing", m(FeatureSum, 7), []Observation{at(30, 1)}, FeatureValue{}, true},
		{"change: then is the latest in (T−2w, T−w]", m(FeatureChange, 28),
			[]Observation{at(29, 999), at(28.5, -20), at(28, 40), at(5, 30), at(0.5, 10)}, FeatureValue{-0.75, 0.5}, false},
		{"change from a negative", m(FeatureChange, 30), []Observation{at(40, -20), at(1, 10)}, FeatureValue{1.5, 1}, false},
		{"change from zero", m(FeatureChange, 28), []Observation{at(30, 0), at(1, 5)}, FeatureValue{}, true},
		{"no change from zero", m(FeatureChange, 28), []Observation{at(30, 0), at(1, 0)}, FeatureValue{0, 1}, false},
		{"change: then too old", m(FeatureChange, 28), []Observation{at(57, 5), at(1, 6)}, FeatureValue{}, true},
		{"change: no now", m(FeatureChange, 28), []Observation{at(40, 6)}, FeatureValue{}, true},
		{"days_since: zeros are not seen", m(FeatureDaysSince, 30), []Observation{at(10, 1), at(4, 1), at(1, 0)}, FeatureValue{4, 1}, false},
		{"days_since: none in the window", m(FeatureDaysSince, 30), []Observation{at(45, 1)}, FeatureValue{30, 45}, false},
		{"days_since: nothing within the lookback", m(FeatureDaysSince, 30), []Observation{at(MaxLookbackDays+1, 1)}, FeatureValue{}, true},
		{"unknown feature", m("median", 30), []Observation{at(1, 1)}, FeatureValue{}, true},
	} {
		got, ok := FeatureOf(c.metric, asOf, c.obs)
		require.Equal(t, !c.absent, ok, c.name)
		require.InDelta(t, c.want.Value, got.Value, 1e-12, c.name)
		require.InDelta(t, c.want.AgeDays, got.AgeDays, 1e-12, c.name)
	}
}

// Sums must not depend on the order observations arrive in, or equal
// accounts would rank apart by a last bit.
func TestFeatureOfSumIsOrderFree(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	obs := func(vs ...float64) []Observation {
		var out []Observation
		for i, v := range vs {
			out = append(out, Observation{AccountID: 1, Metric: "x", ObservedAt: asOf.AddDate(0, 0, -i), Value: v})
		}
		return out
	}
	sum := Metric{Key: "s", Signal: "x", Feature: FeatureSum, WindowDays: 7}
	a, _ := FeatureOf(sum, asOf, obs(0.1, 0.2, 0.3))
	b, _ := FeatureOf(sum, asOf, obs(0.3, 0.2, 0.1))
	require.Equal(t, a.Value, b.Value)
}

func TestFeaturesOfGroupsByAccountAndSignal(t *testing.T) {
	t.Parallel()
	asOf := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	obs := []Observation{
		{AccountID: 1, Metric: "logins", ObservedAt: asOf.AddDate(0, 0, -1), Value: 3},
		{AccountID: 1, Metric: "logins", ObservedAt: asOf.AddDate(0, 0, -2), Value: 4},
		{AccountID: 2, Metric: "seats", ObservedAt: asOf.AddDate(0, 0, -1), Value: 9},
	}
	fs := FeaturesOf(asOf, []Metric{{Key: "logins_7d", Signal: "logins", Feature: FeatureSum, WindowDays: 7}, {Key: "seats", Feature: FeatureLatest}}, obs)
	require.Equal(t, FeatureSet{
		1: {"logins_7d": {Value: 7, AgeDays: 1}},
		2: {"seats": {Value: 9, AgeDays: 1}},
	}, fs)
}
