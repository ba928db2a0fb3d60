package app

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// ProfileStore is what metric discovery needs besides scoring; *store.Store
// satisfies it. A ScoringStore that is also a ProfileStore scores the
// data's own metrics (ComputeScores).
type ProfileStore interface {
	ScoringStore
	FeaturesSeen(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, []string, error)
	MetricProfiles(ctx context.Context) ([]scoring.MetricProfile, time.Time, error)
	RefreshMetricProfiles(ctx context.Context, now time.Time) ([]scoring.MetricProfile, error)
	SetMetricDirection(ctx context.Context, signal string, d scoring.LearnedDirection) error
}

// DiscoveryOptions tune metric discovery; zero values take the defaults.
type DiscoveryOptions struct {
	MinChurned  int              // churned accounts needed to learn directions (scoring.DefaultMinChurned)
	MaxAgeDays  int              // profiles older than this are refreshed (DefaultProfileMaxAgeDays)
	HorizonDays int              // churn within this long after an as-of day labels it (90)
	MaxAsOfs    int              // as-of days the directions are learned on, newest month-ends (24)
	Force       bool             // refresh the profiles now
	AsOf        time.Time        // learn from the churn known by this day (default: Now)
	Now         func() time.Time // clock (time.Now)
}

// DefaultProfileMaxAgeDays is how old metric profiles may get before a
// scoring run refreshes them (one aggregate scan of signal).
const DefaultProfileMaxAgeDays = 7

func (o DiscoveryOptions) withDefaults() DiscoveryOptions {
	if o.MinChurned <= 0 {
		o.MinChurned = scoring.DefaultMinChurned
	}
	if o.MaxAgeDays <= 0 {
		o.MaxAgeDays = DefaultProfileMaxAgeDays
	}
	if o.HorizonDays <= 0 {
		o.HorizonDays = 90
	}
	if o.MaxAsOfs <= 0 {
		o.MaxAsOfs = 24
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Discovery is the catalog extended with the data's own metrics.
type Discovery struct {
	Cards     scoring.Scorecards // the scorecards with the discovered metrics
	Profiles  []scoring.MetricProfile
	Refreshed bool // the profiles were made by this call
	Learned   bool // directions were (re)learned by this call
	Churned   int  // churned accounts in the portfolio
}

// Waiting lists the discovered metrics whose direction is unknown.
func (d Discovery) Waiting() []scoring.Metric { return d.Cards.Catalog().Waiting() }

// Discover extends cards with a metric for every signal key no scorecard
// reads, read from the cached profiles; it refreshes them (one scan of
// signal) when none exist yet, they are older than MaxAgeDays or Force is
// set, and then (or when a discovered metric has no evidence yet), with at
// least MinChurned churned accounts, (re)learns the
// directions of the discovered metrics from churn at the newest month-ends
// and stores them with the profiles.
func Discover(ctx context.Context, st ProfileStore, cards scoring.Scorecards, accounts []scoring.Account, o DiscoveryOptions) (Discovery, error) {
	o = o.withDefaults()
	if cards.IsZero() {
		cards = scoring.DefaultScorecards()
	}
	now := o.Now()
	d := Discovery{Churned: countChurned(accounts)}
	ps, at, err := st.MetricProfiles(ctx)
	if err != nil {
		return d, err
	}
	if o.Force || at.IsZero() || now.Sub(at) > time.Duration(o.MaxAgeDays)*24*time.Hour {
		if ps, err = st.RefreshMetricProfiles(ctx, now); err != nil {
			return d, err
		}
		d.Refreshed = true
	}
	d.Profiles = ps
	if d.Cards, err = cards.WithDiscovered(scoring.Discover(cards.Catalog(), ps)...); err != nil {
		return d, err
	}
	if d.Churned < o.MinChurned || !(d.Refreshed || neverLearned(d.Cards, ps)) {
		return d, nil
	}
	learnAt := now
	if !o.AsOf.IsZero() {
		learnAt = o.AsOf
	}
	if err := learn(ctx, st, &d, accounts, o, learnAt); err != nil {
		return d, err
	}
	d.Cards, err = cards.WithDiscovered(scoring.Discover(cards.Catalog(), d.Profiles)...)
	return d, err
}

// learn scores the newest month-ends with the discovered metrics as
// context, learns their directions from the churn that followed and
// stores them with the profiles.
func learn(ctx context.Context, st ProfileStore, d *Discovery, accounts []scoring.Account, o DiscoveryOptions, now time.Time) error {
	var metrics []scoring.Metric
	for _, m := range d.Cards.Catalog().Metrics() {
		if m.Origin == scoring.OriginDiscovered && !m.Candidate {
			metrics = append(metrics, m)
		}
	}
	if len(metrics) == 0 {
		return nil
	}
	first := time.Time{}
	for _, p := range d.Profiles {
		if first.IsZero() || p.First.Before(first) {
			first = p.First
		}
	}
	examples, err := learningExamples(ctx, st, d, first, o, now)
	if err != nil {
		return fmt.Errorf("learn directions: %w", err)
	}
	if len(examples) == 0 {
		return nil
	}
	learned := scoring.LearnDirections(examples, metrics, o.MinChurned, now)
	bySignal := map[string]int{}
	for i, p := range d.Profiles {
		bySignal[p.Signal] = i
	}
	for _, m := range metrics {
		dir, ok := learned[m.Key]
		i, known := bySignal[m.SignalKey()]
		if !ok || !known {
			continue
		}
		if err := st.SetMetricDirection(ctx, m.SignalKey(), dir); err != nil {
			return err
		}
		d.Profiles[i].Direction = &dir
	}
	d.Learned = true
	return nil
}

// learningHorizons are the churn horizons tried, longest first: the
// configured one, then shorter ones for a young history (a snapshot taken
// a month ago has a month of churn after it, not a quarter).
func learningHorizons(configured int) []int {
	out := []int{configured}
	for _, h := range []int{60, 30} {
		if h < configured {
			out = append(out, h)
		}
	}
	return out
}

// learningExamples scores the newest month-ends (and the first day of
// data) at which the churn that followed is known, with the longest
// horizon that labels at least MinChurned churned accounts.
func learningExamples(ctx context.Context, st ProfileStore, d *Discovery, first time.Time, o DiscoveryOptions, now time.Time) ([]scoring.Example, error) {
	var best []scoring.Example
	for _, h := range learningHorizons(o.HorizonDays) {
		last := scoring.Day(now).AddDate(0, 0, -h)
		asOfs := scoring.MonthEnds(first, last)
		if len(asOfs) > o.MaxAsOfs {
			asOfs = asOfs[len(asOfs)-o.MaxAsOfs:]
		}
		if f := scoring.Day(first); !f.After(last) && !slices.Contains(asOfs, f) {
			asOfs = append([]time.Time{f}, asOfs...) // a one-off snapshot is scored on its own day
		}
		if len(asOfs) == 0 {
			continue
		}
		examples, err := BacktestExamples(ctx, st, d.Cards, asOfs, h)
		if err != nil {
			return nil, err
		}
		if churnedAccounts(examples) >= o.MinChurned {
			return examples, nil
		}
		if best == nil {
			best = examples
		}
	}
	return best, nil
}

func churnedAccounts(ex []scoring.Example) int {
	seen := map[int64]bool{}
	for _, x := range ex {
		if x.Churned {
			seen[x.AccountID] = true
		}
	}
	return len(seen)
}

// neverLearned reports whether a discovered metric's profile has no
// direction evidence yet (churn arrived after the profiles were made).
func neverLearned(cards scoring.Scorecards, ps []scoring.MetricProfile) bool {
	for _, m := range cards.Catalog().Metrics() {
		if m.Origin != scoring.OriginDiscovered || m.Candidate {
			continue
		}
		for _, p := range ps {
			if p.Signal == m.SignalKey() && p.Direction == nil {
				return true
			}
		}
	}
	return false
}

func countChurned(accounts []scoring.Account) int {
	n := 0
	for _, a := range accounts {
		if !a.ChurnedAt.IsZero() {
			n++
		}
	}
	return n
}
