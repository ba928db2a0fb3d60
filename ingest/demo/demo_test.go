package demo

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

var testAsOf = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

// setup generates the test portfolio for a seed. The standard one (seed 1,
// 300 accounts) is generated once per test binary and shared read-only:
// generating it in every test made the race-enabled run several times slower.
func setup(t *testing.T, seed int64, accounts int) (*Portfolio, *index) {
	t.Helper()
	if seed == 1 && accounts == 300 {
		f, err := standard()
		require.NoError(t, err)
		return f.p, f.ix
	}
	p, err := Generate(Config{Seed: seed, Accounts: accounts, AsOf: testAsOf})
	require.NoError(t, err)
	return p, newIndex(p)
}

type fixture struct {
	p  *Portfolio
	ix *index
}

var standard = sync.OnceValues(func() (fixture, error) {
	p, err := Generate(Config{Seed: 1, Accounts: 300, AsOf: testAsOf})
	if err != nil {
		return fixture{}, err
	}
	return fixture{p, newIndex(p)}, nil
})

// index groups a portfolio's signals by account and metric, in time order.
type index struct {
	series map[int64]map[string][]scoring.Observation
	pulses map[int64][]scoring.Pulse
}

func newIndex(p *Portfolio) *index {
	ix := &index{series: map[int64]map[string][]scoring.Observation{}, pulses: map[int64][]scoring.Pulse{}}
	for _, s := range p.Signals {
		if ix.series[s.AccountID] == nil {
			ix.series[s.AccountID] = map[string][]scoring.Observation{}
		}
		ix.series[s.AccountID][s.Metric] = append(ix.series[s.AccountID][s.Metric], s)
	}
	for _, pu := range p.Pulses {
		ix.pulses[pu.AccountID] = append(ix.pulses[pu.AccountID], pu)
	}
	return ix
}

// mean averages a metric over [from, to); ok is false without observations.
func (ix *index) mean(account int64, metric string, from, to time.Time) (float64, bool) {
	sum, n := 0.0, 0
	for _, s := range ix.series[account][metric] {
		if !s.ObservedAt.Before(from) && s.ObservedAt.Before(to) {
			sum += s.Value
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

func TestGenerateIsDeterministicForASeed(t *testing.T) {
	t.Parallel()
	a, _ := setup(t, 42, 60)
	b, _ := setup(t, 42, 60)
	c, _ := setup(t, 43, 60)
	require.Equal(t, a, b)
	require.NotEqual(t, a.Signals, c.Signals)
	require.NotEqual(t, a.Pulses, c.Pulses)
	require.NotEqual(t, churnDates(a), churnDates(c))
}

func churnDates(p *Portfolio) []time.Time {
	var out []time.Time
	for _, a := range p.Accounts {
		out = append(out, a.ChurnedAt)
	}
	return out
}

func TestGenerateRejectsBadConfig(t *testing.T) {
	t.Parallel()
	_, err := Generate(Config{Accounts: -1, AsOf: testAsOf})
	require.ErrorContains(t, err, "accounts must be between 1 and")
	_, err = Generate(Config{Accounts: MaxAccounts + 1, AsOf: testAsOf})
	require.ErrorContains(t, err, "accounts must be between 1 and")
	_, err = Generate(Config{Accounts: 10})
	require.ErrorContains(t, err, "as-of date is required")
}

func TestPortfolioHasTheRightShape(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, 1, 300)
	require.Len(t, p.Accounts, 300)
	require.Len(t, p.CSMs, 8)

	zones, csmSegment := map[string]bool{}, map[int64]string{}
	for _, c := range p.CSMs {
		zones[c.TZ] = true
		require.Regexp(t, `^U0DEMO\d\d$`, c.SlackUserID)
		require.Contains(t, c.Email, "@"+EmailDomain)
		_, err := time.LoadLocation(c.TZ)
		require.NoError(t, err)
	}
	require.Len(t, zones, 3)

	perSegment, churned, externalIDs := map[string]int{}, 0, map[string]bool{}
	start := testAsOf.AddDate(0, 0, -historyDays)
	for _, a := range p.Accounts {
		perSegment[a.Segment]++
		require.False(t, externalIDs[a.ExternalID], "duplicate external id %s", a.ExternalID)
		externalIDs[a.ExternalID] = true
		require.Positive(t, a.MRR)
		require.Positive(t, a.Seats)
		require.Equal(t, true, a.Attributes["demo"])
		require.False(t, a.RenewalDate.IsZero())
		if seg, ok := csmSegment[a.OwnerID]; ok {
			require.Equal(t, seg, a.Segment, "a CSM covers one segment")
		}
		csmSegment[a.OwnerID] = a.Segment
		if !a.ChurnedAt.IsZero() {
			churned++
			require.True(t, a.ChurnedAt.After(start) && a.ChurnedAt.Before(testAsOf), "churn inside the year: %s", a.ChurnedAt)
		} else {
			require.False(t, a.RenewalDate.Before(testAsOf), "live accounts renew in the future")
		}
	}
	require.Equal(t, map[string]int{"Enterprise": 45, "Mid-Market": 105, "SMB": 150}, perSegment)
	require.Equal(t, 36, churned) // 12 %
	require.Equal(t, "Acme Corp", p.Accounts[0].Name)
	for _, a := range p.Accounts {
		lo, hi := map[string][2]int{"Enterprise": {250, 3750}, "Mid-Market": {50, 375}, "SMB": {5, 63}}[a.Segment][0],
			map[string][2]int{"Enterprise": {250, 3750}, "Mid-Market": {50, 375}, "SMB": {5, 63}}[a.Segment][1]
		require.True(t, a.Seats >= lo && a.Seats <= hi, "%s %s has %d seats", a.Segment, a.Name, a.Seats)
	}
}

func TestSignalsAreWellFormed(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, 1, 300)
	start := testAsOf.AddDate(0, 0, -historyDays)
	type obsKey struct {
		account int64
		metric  string
		at      int64
	}
	keys, perMetric := map[obsKey]bool{}, map[string]int{}
	for _, s := range p.Signals {
		a := p.Accounts[s.AccountID-1]
		switch {
		case s.Source != Source:
			t.Fatalf("%+v: source", s)
		case s.ObservedAt.Before(start) || !s.ObservedAt.Before(testAsOf):
			t.Fatalf("%+v: outside the year before as-of", s)
		case s.ObservedAt.Before(a.StartedAt):
			t.Fatalf("%+v: before the account started on %s", s, a.StartedAt)
		case !a.ChurnedAt.IsZero() && !s.ObservedAt.Before(a.ChurnedAt):
			t.Fatalf("%+v: after churn on %s", s, a.ChurnedAt)
		}
		key := obsKey{s.AccountID, s.Metric, s.ObservedAt.Unix()}
		if keys[key] {
			t.Fatalf("duplicate observation %+v", key)
		}
		keys[key] = true
		perMetric[s.Metric]++
		if b := valueBounds[s.Metric]; s.Value < b[0] || s.Value > b[1] {
			t.Fatalf("%s = %v outside [%v, %v]", s.Metric, s.Value, b[0], b[1])
		}
	}
	for _, m := range Metrics {
		require.Positive(t, perMetric[m], "metric %s missing", m)
	}
	// Daily usage for every account-day, weekly adoption, sparse tickets.
	require.Greater(t, perMetric[MetricActiveUserRatio], 250*300)
	require.InDelta(t, float64(perMetric[MetricActiveUserRatio])/7, perMetric[MetricKeyFeatureAdoption], 2000)
	require.Less(t, perMetric[MetricSupportTickets], perMetric[MetricActiveUserRatio]/2)
	require.Less(t, perMetric[MetricCustomerMessages], perMetric[MetricActiveUserRatio]*3/4, "messages for some accounts only")
}

var valueBounds = map[string][2]float64{
	MetricActiveUserRatio: {0, 1}, MetricKeyFeatureAdoption: {0, 1}, MetricCSAT: {1, 5},
	MetricNPS: {-100, 100}, MetricLateInvoices: {1, 1}, MetricSupportTickets: {1, 1e4},
	MetricDaysToRenewal: {0, 366}, MetricSeatsUsed: {1, 1e5}, MetricDaysSinceAdminSeen: {0, 400},
	MetricSessionGapDays: {0.5, 60}, MetricCustomerMessages: {0, 1e4}, MetricFirstResponseMinutes: {0, 1e5},
	MetricMRR: {1, 1e7},
}

func TestPulsesAreWeeklyAndMostlyAnswered(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, 1, 300)
	due, seen := 0, map[string]bool{}
	for i, a := range p.Accounts {
		for d := 0; d < historyDays-6; d++ {
			monday := testAsOf.AddDate(0, 0, d-historyDays)
			if monday.Weekday() == time.Monday && !monday.Before(a.StartedAt) && (a.ChurnedAt.IsZero() || monday.Before(a.ChurnedAt)) {
				due++
			}
		}
		_ = i
	}
	ratings := map[scoring.Rating]int{}
	for _, pu := range p.Pulses {
		key := fmt.Sprintf("%d|%s", pu.AccountID, pu.Week)
		require.False(t, seen[key], "two pulses for %s", key)
		seen[key] = true
		require.Equal(t, p.Accounts[pu.AccountID-1].OwnerID, pu.CSMID, "the owner answers")
		require.Equal(t, scoring.ISOWeek(pu.AnsweredAt), pu.Week)
		require.True(t, pu.AnsweredAt.Before(testAsOf))
		for _, r := range pu.Reasons {
			require.Contains(t, Reasons, r)
		}
		ratings[pu.Rating]++
	}
	completion := float64(len(p.Pulses)) / float64(due)
	require.InDelta(t, 0.85, completion, 0.05)
	require.Greater(t, ratings[scoring.RatingHealthy], ratings[scoring.RatingConcerning]+ratings[scoring.RatingPoor])
	require.Positive(t, ratings[scoring.RatingPoor])
}

func TestChurnersDeclineBeforeTheyChurn(t *testing.T) {
	t.Parallel()
	p, ix := setup(t, 1, 300)
	var before, earlier, csatBefore, csatEarlier []float64
	healthyBefore, healthyEarlier, poorBefore, poorEarlier := share(), share(), share(), share()
	for i, a := range p.Accounts {
		if a.ChurnedAt.IsZero() || a.ChurnedAt.Sub(a.StartedAt) < 200*24*time.Hour ||
			a.ChurnedAt.Before(testAsOf.AddDate(0, 0, 200-historyDays)) {
			continue
		}
		id := int64(i + 1)
		c := a.ChurnedAt
		b, ok1 := ix.mean(id, MetricActiveUserRatio, c.AddDate(0, 0, -60), c)
		e, ok2 := ix.mean(id, MetricActiveUserRatio, c.AddDate(0, -6, -30), c.AddDate(0, -6, 30))
		require.True(t, ok1 && ok2)
		before, earlier = append(before, b), append(earlier, e)
		if v, ok := ix.mean(id, MetricCSAT, c.AddDate(0, 0, -60), c); ok {
			csatBefore = append(csatBefore, v)
		}
		if v, ok := ix.mean(id, MetricCSAT, c.AddDate(0, -6, -30), c.AddDate(0, -6, 30)); ok {
			csatEarlier = append(csatEarlier, v)
		}
		for _, pu := range ix.pulses[id] {
			switch {
			case pu.AnsweredAt.After(c.AddDate(0, 0, -60)):
				healthyBefore.add(pu.Rating == scoring.RatingHealthy)
				poorBefore.add(pu.Rating == scoring.RatingPoor)
			case pu.AnsweredAt.Before(c.AddDate(0, -5, 0)):
				healthyEarlier.add(pu.Rating == scoring.RatingHealthy)
				poorEarlier.add(pu.Rating == scoring.RatingPoor)
			}
		}
	}
	require.GreaterOrEqual(t, len(before), 15, "enough churners to compare")
	require.Less(t, avg(before), avg(earlier)-0.1, "usage declines before churn")
	require.Less(t, avg(csatBefore), avg(csatEarlier)-0.2, "engagement declines before churn")
	t.Logf("healthy pulses %.2f -> %.2f, poor %.2f -> %.2f", healthyEarlier.rate(), healthyBefore.rate(), poorEarlier.rate(), poorBefore.rate())
	require.Less(t, healthyBefore.rate(), healthyEarlier.rate()-0.1, "pulse declines before churn")
	require.Greater(t, poorBefore.rate(), poorEarlier.rate()+0.15, "pulse declines before churn")

	lower := 0
	for k := range before {
		if before[k] < earlier[k] {
			lower++
		}
	}
	require.Greater(t, lower, len(before)*2/3, "most churners decline")
	require.Less(t, lower, len(before), "not every churner declines visibly")
}

func TestChurnersStartWeaker(t *testing.T) {
	t.Parallel()
	p, _ := setup(t, 1, 300)
	var churners, others []float64
	for i, tr := range p.Truth {
		if tr.Churns {
			churners = append(churners, tr.Baseline)
		} else if !tr.AtRisk {
			others = append(others, tr.Baseline)
		}
		require.Equal(t, tr.Churns, !p.Accounts[i].ChurnedAt.IsZero())
	}
	require.Less(t, avg(churners), avg(others)-0.3)
}

func TestSeasonalDipScalesEveryAccountsUsageByTheSameFactor(t *testing.T) {
	t.Parallel()
	with, _ := setup(t, 5, 80)
	without, err := Generate(Config{Seed: 5, Accounts: 80, AsOf: testAsOf, NoSeason: true})
	require.NoError(t, err)
	base := map[string]float64{}
	for _, s := range without.Signals {
		if s.Metric == MetricActiveUserRatio {
			base[fmt.Sprint(s.AccountID, s.ObservedAt)] = s.Value
		}
	}
	dipped, aliveInDip := map[int64]bool{}, map[int64]bool{}
	summerDip := time.Date(2025, 8, 14, 0, 0, 0, 0, time.UTC)
	n := 0
	for _, s := range with.Signals {
		if s.Metric != MetricActiveUserRatio {
			continue
		}
		b, ok := base[fmt.Sprint(s.AccountID, s.ObservedAt)]
		require.True(t, ok)
		require.InDelta(t, SeasonFactor(s.ObservedAt)*b, s.Value, 1e-12)
		if SeasonFactor(s.ObservedAt) < 1 {
			dipped[s.AccountID] = true
		}
		if !s.ObservedAt.Before(summerDip) && s.ObservedAt.Before(summerDip.AddDate(0, 0, 1)) {
			aliveInDip[s.AccountID] = true
		}
		n++
	}
	require.Len(t, base, n)
	require.Greater(t, len(aliveInDip), 60)
	for id := range aliveInDip {
		require.True(t, dipped[id], "the dip reaches every account")
	}
	require.Equal(t, 0.8, SeasonFactor(time.Date(2025, 8, 14, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, 0.6, SeasonFactor(time.Date(2025, 12, 27, 0, 0, 0, 0, time.UTC)))
	require.Equal(t, 1.0, SeasonFactor(time.Date(2025, 10, 14, 0, 0, 0, 0, time.UTC)))
}

// TestARelativeScorePredictsChurnButNotPerfectly scores month-ends with a
// plain peer-percentile score and checks the AUC lands where a real scoring
// engine should: clearly predictive, not separable.
func TestARelativeScorePredictsChurnButNotPerfectly(t *testing.T) {
	t.Parallel()
	for _, seed := range []int64{1, 2} {
		p, ix := setup(t, seed, 300)
		auc := backtestAUC(p, ix, 90)
		t.Logf("seed %d: AUC %.3f", seed, auc)
		require.Greater(t, auc, 0.78)
		require.Less(t, auc, 0.94)
	}
}

type rate struct{ yes, n int }

func share() *rate          { return &rate{} }
func (r *rate) add(ok bool) { r.n++; r.yes += map[bool]int{true: 1}[ok] }
func (r *rate) rate() float64 {
	if r.n == 0 {
		return 0
	}
	return float64(r.yes) / float64(r.n)
}

func avg(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}
