package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// featureFixture is a store in a throwaway transaction plus helpers that
// write the rows a feature test needs.
type featureFixture struct {
	t    *testing.T
	ctx  context.Context
	s    *store.Store
	asOf time.Time
	n    int // signals written: each gets its own source, so two at one time are two observations
}

func setupFeatures(t *testing.T) *featureFixture {
	t.Helper()
	return &featureFixture{t: t, ctx: context.Background(), s: storetest.Store(t),
		asOf: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)}
}

func (f *featureFixture) account(ext string) int64 {
	f.t.Helper()
	id, err := f.s.UpsertAccount(f.ctx, scoring.Account{ExternalID: ext, Name: ext})
	require.NoError(f.t, err)
	return id
}

// signal writes one observation daysAgo days before asOf (negative: after it).
func (f *featureFixture) signal(account int64, metric string, daysAgo float64, value float64) {
	f.t.Helper()
	f.n++
	at := f.asOf.Add(-time.Duration(daysAgo * float64(24*time.Hour)))
	require.NoError(f.t, f.s.EnsurePartitions(f.ctx, at, at))
	_, err := f.s.DB().Exec(f.ctx, `INSERT INTO signal (account_id, metric, observed_at, value, source)
		VALUES ($1, $2, $3, $4, $5)`, account, metric, at, value, fmt.Sprintf("test%d", f.n))
	require.NoError(f.t, err)
}

func (f *featureFixture) pulse(account int64, rating scoring.Rating, daysAgo float64) {
	f.t.Helper()
	at := f.asOf.Add(-time.Duration(daysAgo * float64(24*time.Hour)))
	_, err := f.s.DB().Exec(f.ctx, `INSERT INTO pulse (account_id, rating, week, answered_at) VALUES ($1, $2, $3, $4)`,
		account, string(rating), scoring.ISOWeek(at), at)
	require.NoError(f.t, err)
}

func (f *featureFixture) features(metrics ...scoring.Metric) scoring.FeatureSet {
	f.t.Helper()
	fs, err := f.s.Features(f.ctx, f.asOf, metrics)
	require.NoError(f.t, err)
	return fs
}

func featMetric(key, signal string, feature scoring.Feature, window int) scoring.Metric {
	return scoring.Metric{Key: key, Signal: signal, Feature: feature, WindowDays: window}
}

func TestFeaturesLatest(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a, b, c := f.account("a"), f.account("b"), f.account("c")
	f.signal(a, "seats", 10, 5)
	f.signal(a, "seats", 1, 7)
	f.signal(a, "seats", -1, 99) // after asOf: never seen
	f.signal(b, "seats", 20, 3)  // older than the recent band: fetched by the follow-up
	f.signal(b, "seats", 20, 4)  // same time, two sources: the larger wins
	f.signal(c, "other", 1, 1)

	fs := f.features(featMetric("seats", "", scoring.FeatureLatest, 0), featMetric("seats_14d", "seats", scoring.FeatureLatest, 14))

	require.Equal(t, scoring.FeatureValue{Value: 7, AgeDays: 1}, fs[a]["seats"])
	require.Equal(t, scoring.FeatureValue{Value: 7, AgeDays: 1}, fs[a]["seats_14d"], "a second metric reads the same signal")
	require.Equal(t, scoring.FeatureValue{Value: 4, AgeDays: 20}, fs[b]["seats"])
	require.NotContains(t, fs[b], "seats_14d", "newest observation is outside the window")
	require.NotContains(t, fs, c, "an account without the signal has no features")
}

func TestFeaturesSumAndMeanUseHalfOpenWindow(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a, b := f.account("a"), f.account("b")
	f.signal(a, "tickets", 7, 100) // exactly asOf−7: outside (asOf−7, asOf]
	f.signal(a, "tickets", 6.5, 2)
	f.signal(a, "tickets", 3, 4)
	f.signal(a, "tickets", 0, 6) // exactly asOf: inside
	f.signal(b, "tickets", 30, 1)

	fs := f.features(featMetric("tickets_sum", "tickets", scoring.FeatureSum, 7), featMetric("tickets_mean", "tickets", scoring.FeatureMean, 7),
		featMetric("tickets_30", "tickets", scoring.FeatureSum, 31))

	require.Equal(t, 12.0, fs[a]["tickets_sum"].Value)
	require.Equal(t, 4.0, fs[a]["tickets_mean"].Value)
	require.Equal(t, 112.0, fs[a]["tickets_30"].Value)
	require.Equal(t, 0.0, fs[a]["tickets_sum"].AgeDays)
	require.NotContains(t, fs[b], "tickets_sum", "no observation in the window is no data")
	require.Equal(t, scoring.FeatureValue{Value: 1, AgeDays: 30}, fs[b]["tickets_30"])
}

func TestFeaturesChange(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	grow, shrink, zeroThen, flatZero, noThen, stale, oldThen := f.account("grow"), f.account("shrink"), f.account("zero"),
		f.account("flat"), f.account("nothen"), f.account("stale"), f.account("oldthen")
	f.signal(grow, "seats", 40, 10) // older "then" value, beyond the band: follow-up query
	f.signal(grow, "seats", 2, 15)
	f.signal(shrink, "seats", 29, 999) // before the window, not the latest before it
	f.signal(shrink, "seats", 28.5, -20)
	f.signal(shrink, "seats", 28, 40) // exactly asOf−28: the "then" value
	f.signal(shrink, "seats", 5, 30)
	f.signal(shrink, "seats", 0.5, 10)
	f.signal(zeroThen, "seats", 30, 0)
	f.signal(zeroThen, "seats", 1, 5)
	f.signal(flatZero, "seats", 30, 0)
	f.signal(flatZero, "seats", 1, 0)
	f.signal(noThen, "seats", 10, 5)
	f.signal(stale, "seats", 60, 5)
	f.signal(stale, "seats", 40, 6)   // nothing inside the window: no "now"
	f.signal(oldThen, "seats", 57, 5) // before asOf−2·window: too old to be "then"
	f.signal(oldThen, "seats", 1, 6)

	fs := f.features(featMetric("seat_change", "seats", scoring.FeatureChange, 28))

	require.InDelta(t, 0.5, fs[grow]["seat_change"].Value, 1e-12)
	require.Equal(t, 2.0, fs[grow]["seat_change"].AgeDays)
	require.InDelta(t, -0.75, fs[shrink]["seat_change"].Value, 1e-12)
	require.NotContains(t, fs[zeroThen], "seat_change", "a change from zero is undefined")
	require.Equal(t, 0.0, fs[flatZero]["seat_change"].Value)
	require.Contains(t, fs[flatZero], "seat_change")
	require.NotContains(t, fs[noThen], "seat_change")
	require.NotContains(t, fs[stale], "seat_change")
	require.NotContains(t, fs[oldThen], "seat_change")
}

func TestFeaturesChangeFromNegative(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a := f.account("a")
	f.signal(a, "nps", 40, -20)
	f.signal(a, "nps", 1, 10)
	fs := f.features(featMetric("nps_change", "nps", scoring.FeatureChange, 30))
	require.InDelta(t, 1.5, fs[a]["nps_change"].Value, 1e-12, "(10 − −20)/|−20|")
}

func TestFeaturesDaysSince(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	recent, idle, never, none, gone := f.account("recent"), f.account("idle"), f.account("never"), f.account("none"), f.account("gone")
	f.signal(recent, "admin_login", 10, 1)
	f.signal(recent, "admin_login", 4, 1)
	f.signal(recent, "admin_login", 1, 0) // zero values do not count as seen
	f.signal(idle, "admin_login", 45, 1)  // before the window
	f.signal(never, "admin_login", 2, 0)
	f.signal(gone, "admin_login", store.MaxLookbackDays+1, 1)

	fs := f.features(featMetric("admin_days", "admin_login", scoring.FeatureDaysSince, 30))

	require.Equal(t, scoring.FeatureValue{Value: 4, AgeDays: 1}, fs[recent]["admin_days"])
	require.Equal(t, scoring.FeatureValue{Value: 30, AgeDays: 45}, fs[idle]["admin_days"])
	require.Equal(t, scoring.FeatureValue{Value: 30, AgeDays: 2}, fs[never]["admin_days"])
	require.NotContains(t, fs, none)
	require.NotContains(t, fs, gone, "nothing within the lookback: no data, not 'never seen'")
}

func TestFeaturesPulses(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a, b, c := f.account("a"), f.account("b"), f.account("c")
	f.pulse(a, scoring.RatingHealthy, 21)
	f.pulse(a, scoring.RatingPoor, 14)
	f.pulse(a, scoring.RatingConcerning, -7) // after asOf
	f.pulse(b, scoring.RatingHealthy, 3)
	f.signal(c, "usage", 1, 1)

	pulse := scoring.Metric{Key: "pulse", Feature: scoring.FeatureLatest}
	fs := f.features(pulse, featMetric("pulse_mean", store.PulseSignal, scoring.FeatureMean, 30), featMetric("usage", "", scoring.FeatureLatest, 0))

	require.Equal(t, scoring.FeatureValue{Value: scoring.PulseValuePoor, AgeDays: 14}, fs[a]["pulse"])
	require.Equal(t, 1.0, fs[a]["pulse_mean"].Value, "(2 + 0) / 2")
	require.Equal(t, scoring.FeatureValue{Value: scoring.PulseValueHealthy, AgeDays: 3}, fs[b]["pulse"])
	require.NotContains(t, fs[c], "pulse")
	require.Equal(t, 1.0, fs[c]["usage"].Value)
}

// The pass aggregates every signal and drops, in Go, the ones the catalog
// does not read; rows of the signal table under the pulse key never mix
// with the pulse table's.
func TestFeaturesReadOnlyTheCatalogsSignals(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a, b := f.account("a"), f.account("b")
	f.signal(a, "usage", 1, 3)
	f.signal(a, "not_in_catalog", 1, 9)
	f.signal(a, store.PulseSignal, 1, 99) // someone sent a signal named "pulse"
	f.signal(b, store.PulseSignal, 2, 99)
	f.pulse(a, scoring.RatingConcerning, 40)
	f.pulse(a, scoring.RatingHealthy, 5)

	fs := f.features(featMetric("usage", "", scoring.FeatureLatest, 0),
		scoring.Metric{Key: "pulse", Feature: scoring.FeatureLatest},
		featMetric("pulse_change", store.PulseSignal, scoring.FeatureChange, 30))

	require.Equal(t, map[string]scoring.FeatureValue{
		"usage":        {Value: 3, AgeDays: 1},
		"pulse":        {Value: scoring.PulseValueHealthy, AgeDays: 5},
		"pulse_change": {Value: 1, AgeDays: 5}, // concerning (1) → healthy (2)
	}, fs[a])
	require.NotContains(t, fs, b, "signal rows named pulse are not pulses")

	fs = f.features(scoring.Metric{Key: "pulse", Feature: scoring.FeatureLatest})
	require.Equal(t, scoring.FeatureSet{a: {"pulse": {Value: scoring.PulseValueHealthy, AgeDays: 5}}}, fs, "a pulse-only catalog")
}

// Postgres adds in the order it reads: 0.1+0.2+0.3 and 0.3+0.2+0.1 differ
// in the last bit. Equal observations must still give equal features, or
// peer percentiles would rank equal accounts apart.
func TestFeaturesDoNotDependOnSummationOrder(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a, b := f.account("a"), f.account("b")
	for i, v := range []float64{0.1, 0.2, 0.3} {
		f.signal(a, "usage", float64(3-i), v)
	}
	for i, v := range []float64{0.3, 0.2, 0.1} {
		f.signal(b, "usage", float64(3-i), v)
	}
	x := []float64{0.1, 0.2, 0.3}
	require.NotEqual(t, x[0]+x[1]+x[2], x[2]+x[1]+x[0], "the premise")
	fs := f.features(featMetric("usage_sum", "usage", scoring.FeatureSum, 7), featMetric("usage_mean", "usage", scoring.FeatureMean, 7))
	require.Equal(t, fs[a], fs[b])
	require.InDelta(t, 0.6, fs[a]["usage_sum"].Value, 1e-12)
}

func TestFeaturesLookbackIsPerMetric(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	a := f.account("a")
	f.signal(a, "seats", store.MaxLookbackDays+1, 5)
	fs := f.features(featMetric("seats", "", scoring.FeatureLatest, 0))
	require.NotContains(t, fs, a, "observations older than the lookback are not read")

	// A long window makes the pass read further back; the latest value
	// without a window still ignores what lies beyond its own lookback.
	fs = f.features(featMetric("seats", "", scoring.FeatureLatest, 0), featMetric("seats_year", "seats", scoring.FeatureSum, 400))
	require.Equal(t, map[string]scoring.FeatureValue{"seats_year": {Value: 5, AgeDays: store.MaxLookbackDays + 1}}, fs[a])
}

func TestFeaturesEmptyCatalog(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	f.signal(f.account("a"), "seats", 1, 5)
	require.Empty(t, f.features())
}

func TestFeaturesOfManyAccountsFetchingOlderValues(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	ids := make([]int64, 5)
	for i := range ids {
		ids[i] = f.account(fmt.Sprintf("acct-%d", i))
		f.signal(ids[i], "mrr", 40, float64(100*i))    // monthly: outside the band,
		f.signal(ids[i], "mrr", 12, float64(100*i+10)) // so the latest value is looked up
	}
	fs := f.features(featMetric("mrr", "", scoring.FeatureLatest, 0), featMetric("mrr_mean", "mrr", scoring.FeatureMean, 60),
		featMetric("mrr_sum", "mrr", scoring.FeatureSum, 60))
	for i, id := range ids {
		require.Equal(t, scoring.FeatureValue{Value: float64(100*i + 10), AgeDays: 12}, fs[id]["mrr"])
		require.Equal(t, float64(100*i+5), fs[id]["mrr_mean"].Value)
		require.Equal(t, float64(200*i+10), fs[id]["mrr_sum"].Value)
	}
}

// Two stored values of 1.7e308 overflowed the sum (SQLSTATE 22003) and
// failed the feature pass, so no account was scored that day. Values
// outside intake's signal range are ignored, a non-finite feature is
// missing, and every other account still gets its features.
func TestFeaturesSurviveValuesOutsideTheSignalRange(t *testing.T) {
	t.Parallel()
	f := setupFeatures(t)
	bad, good, tiny := f.account("bad"), f.account("good"), f.account("tiny")
	f.signal(bad, "logins", 2, 1.7e308)
	f.signal(bad, "logins", 1, 1.7e308)
	f.signal(bad, "logins", 1.5, -1e308)
	f.signal(bad, "logins", 3, 5)
	f.signal(good, "logins", 1, 4)
	f.signal(tiny, "logins", 10, 1e-300) // a change from ~0 to 1e15 is +Inf
	f.signal(tiny, "logins", 1, 1e15)

	fs := f.features(featMetric("logins_sum", "logins", scoring.FeatureSum, 7),
		featMetric("logins_mean", "logins", scoring.FeatureMean, 7),
		featMetric("logins_latest", "logins", scoring.FeatureLatest, 0),
		featMetric("logins_change", "logins", scoring.FeatureChange, 7))

	require.Equal(t, 5.0, fs[bad]["logins_sum"].Value, "out-of-range values are ignored, the rest counts")
	require.Equal(t, 5.0, fs[bad]["logins_mean"].Value)
	require.Equal(t, 5.0, fs[bad]["logins_latest"].Value)
	require.Equal(t, 4.0, fs[good]["logins_sum"].Value)
	require.Equal(t, 1e15, fs[tiny]["logins_latest"].Value)
	require.NotContains(t, fs[tiny], "logins_change", "an infinite change is no data")
}
