package synth

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

// The scoring side of issue #12 on the generated portfolios, without a
// database: features by scoring.FeaturesOf (the definition the store is
// held to), metrics discovered from profiles of the data, scores at every
// month-end, then the backtest's fit. The end-to-end tests in
// cmd/healthbot run the same portfolios through the store and the CLI;
// this one says whether the pure parts already do their share.

// profileOf profiles one signal's observations, obs[i] for i in idx, the
// way the store's metric profiles describe them (scoring.MetricProfile).
// It takes indices, not a copy: under -race every byte of a copy of the
// events portfolio's 750,000 observations costs its shadow memory too.
func profileOf(signal string, obs []scoring.Observation, idx []int32) scoring.MetricProfile {
	p := scoring.MetricProfile{Signal: signal, Min: math.Inf(1), Max: math.Inf(-1), Integer: true, Binary: true}
	times := map[int64][]time.Time{}
	for _, i := range idx {
		o := &obs[i]
		p.Rows++
		if p.First.IsZero() || o.ObservedAt.Before(p.First) {
			p.First = o.ObservedAt
		}
		if o.ObservedAt.After(p.Last) {
			p.Last = o.ObservedAt
		}
		p.Min, p.Max = math.Min(p.Min, o.Value), math.Max(p.Max, o.Value)
		p.Integer = p.Integer && o.Value == math.Trunc(o.Value)
		p.Binary = p.Binary && (o.Value == 0 || o.Value == 1)
		times[o.AccountID] = append(times[o.AccountID], o.ObservedAt)
	}
	p.Accounts = len(times)
	p.PerAccount = float64(p.Rows) / float64(p.Accounts)
	gaps, n := 0.0, 0
	for _, ts := range times {
		if len(ts) < 2 {
			continue
		}
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		gaps += ts[len(ts)-1].Sub(ts[0]).Hours() / 24 / float64(len(ts)-1)
		n++
	}
	if n > 0 {
		p.GapDays = gaps / float64(n)
	}
	return p
}

// pipelineBacktest discovers p's metrics, scores every month-end in
// [from, to] and runs the backtest with no scorecard file.
func pipelineBacktest(t *testing.T, p *Portfolio, from, to time.Time) scoring.BacktestReport {
	t.Helper()
	obs := slices.AppendSeq(make([]scoring.Observation, 0, p.NSignals), p.Signals())
	bySignal := map[string][]int32{}
	for i, o := range obs {
		bySignal[o.Metric] = append(bySignal[o.Metric], int32(i))
	}
	var profiles []scoring.MetricProfile
	for sig, idx := range bySignal {
		profiles = append(profiles, profileOf(sig, obs, idx))
	}
	discovered := scoring.Discover(scoring.DefaultCatalog(), profiles)
	for _, m := range discovered {
		t.Logf("discovered %-28s %-10s %-3d days, family %s, candidate %v", m.Key, m.Feature, m.WindowDays, m.Family, m.Candidate)
	}
	scs, err := scoring.DefaultScorecards().WithDiscovered(discovered...)
	require.NoError(t, err)
	metrics := scs.Catalog().Metrics()
	// FeatureOf reads no observation older than its metric's LookbackDays,
	// so each month-end is given only the longest lookback before it: the
	// same features, without regrouping two years of events 24 times.
	lookback := 0
	for _, m := range metrics {
		lookback = max(lookback, scoring.LookbackDays(m))
	}
	slices.SortFunc(obs, func(a, b scoring.Observation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	after := func(t time.Time) int { // the first observation after t
		i, _ := slices.BinarySearchFunc(obs, t, func(o scoring.Observation, t time.Time) int {
			if o.ObservedAt.After(t) {
				return 1
			}
			return -1
		})
		return i
	}
	var ex []scoring.Example
	for _, day := range scoring.MonthEnds(from, to) {
		at := day.AddDate(0, 0, 1).Add(-time.Microsecond) // as bot.ScoreTime
		fs := scoring.FeaturesOf(at, metrics, obs[after(at.AddDate(0, 0, -lookback)):after(at)])
		for _, s := range scoring.Compute(scoring.Input{AsOf: at, Accounts: p.Accounts, Features: fs, Scorecards: scs}) {
			ex = append(ex, scoring.NewExample(s, scoring.ChurnedWithin(p.Accounts[s.AccountID-1], day, p.Truth.HorizonDays)))
		}
	}
	r := scoring.Backtest(ex, scoring.BacktestOptions{Scorecards: scs})
	t.Logf("%d examples; fitted held-out AUC %.3f (%.3f–%.3f), reference %.3f (%.3f–%.3f), fit signal %q, λ %g; %s",
		len(ex), r.Fit.AUCFitted, r.Fit.AUCFittedCI[0], r.Fit.AUCFittedCI[1], r.Fit.AUCReference, r.Fit.AUCReferenceCI[0], r.Fit.AUCReferenceCI[1],
		r.Fit.Signal, r.Fit.Lambda, r.Summary)
	return r
}

// learnedSigns checks the fit's direction of every strong effect.
func learnedSigns(t *testing.T, r scoring.BacktestReport, truth Truth) {
	t.Helper()
	for _, e := range truth.Effects {
		ok, found := false, ""
		for _, w := range r.Fit.Weights {
			if w.Signal == e.Signal && w.Suggested > 0 {
				found += " " + w.Metric + "(" + string(w.Feature) + ")"
				ok = ok || w.HigherIsBetter == (e.Coefficient < 0)
				t.Logf("%-22s truth %+.2f: %-28s coef %+.2f weight %.3f higher_is_better=%v", e.Signal, e.Coefficient, w.Metric, w.Coefficient, w.Suggested, w.HigherIsBetter)
			}
		}
		if found == "" {
			t.Logf("%-22s truth %+.2f: not in the fitted score", e.Signal, e.Coefficient)
		}
		if math.Abs(e.Coefficient) >= 0.4 {
			assert.True(t, ok, "%s (truth %+.2f): learned direction does not match, or not fitted:%s", e.Signal, e.Coefficient, found)
		}
	}
}

func TestPipelineSnapshot(t *testing.T) {
	t.Parallel()
	p, err := Snapshot(SnapshotConfig{Seed: 1, Accounts: 3000, Day: snapDay})
	require.NoError(t, err)
	r := pipelineBacktest(t, p, snapDay, snapDay)
	require.Empty(t, r.Fit.Err)
	assert.GreaterOrEqual(t, r.Fit.AUCFitted, r.Fit.AUCReference-0.01, "fitted trails the reference by more than 0.01")
	learnedSigns(t, r, p.Truth)
}

func TestPipelineEvents(t *testing.T) {
	t.Parallel()
	p, err := Events(EventsConfig{Seed: 2, Accounts: 240, Last: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	r := pipelineBacktest(t, p, p.First.AddDate(0, 0, 30), p.Last.AddDate(0, 0, -EventsHorizonDays))
	require.Empty(t, r.Fit.Err)
	assert.GreaterOrEqual(t, r.Fit.AUCFitted, r.Fit.AUCReference-0.01, "fitted trails the reference by more than 0.01")
	learnedSigns(t, r, p.Truth)
}

func TestPipelineNoise(t *testing.T) {
	t.Parallel()
	p, err := Noise(SnapshotConfig{Seed: 3, Accounts: 2000, Day: snapDay})
	require.NoError(t, err)
	r := pipelineBacktest(t, p, snapDay, snapDay)
	assert.Equal(t, scoring.SignalNone, r.Fit.Signal)
	assert.True(t, r.Fit.AUCFittedCI.Contains(0.5), "fitted CI %v contains 0.5", r.Fit.AUCFittedCI)
	assert.True(t, r.Fit.AUCReferenceCI.Contains(0.5), "reference CI %v contains 0.5", r.Fit.AUCReferenceCI)
}
