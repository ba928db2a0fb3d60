package scoring

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// A discovered metric of unknown direction is ranked low → high by Compute
// (context only); whatever learns its direction from those metric scores
// must read them that way. Here higher values go with more churn, so both
// LearnDirections and the backtest's fit must say "lower is better".
func TestLearnedDirectionOfAnUnknownMetricFollowsTheData(t *testing.T) {
	t.Parallel()
	errs := Metric{Key: "error_page_shown", Family: FamilyUsage, Label: "Error page shown", Unit: UnitCount, Feature: FeatureLatest,
		Normalisation: NormPeerPercentile, Weight: 1, Origin: OriginDiscovered, DirectionFrom: DirectionUnknown}
	scs, err := DefaultScorecards().WithDiscovered(errs)
	require.NoError(t, err)
	r := rand.New(rand.NewPCG(5, 5))
	var accounts []Account
	fs := FeatureSet{}
	churn := map[int64]bool{}
	for i := range 1000 {
		a := account(int64(i+1), "")
		accounts = append(accounts, a)
		v := math.Round(math.Exp(1 + r.NormFloat64()))
		fs[a.ID] = map[string]FeatureValue{errs.Key: {Value: v}}
		churn[a.ID] = r.Float64() < 1/(1+math.Exp(-(-2+0.6*math.Log1p(v))))
	}
	var ex []Example
	for _, s := range Compute(Input{AsOf: asOf, Accounts: accounts, Features: fs, Scorecards: scs}) {
		ex = append(ex, NewExample(s, churn[s.AccountID]))
	}

	d := LearnDirections(ex, []Metric{errs}, 20, asOf)[errs.Key]
	require.True(t, d.Learned(), d.Reason)
	require.False(t, d.HigherIsBetter, "LearnDirections: more errors went with more churn (AUC %.2f)", d.AUC)

	rep := Backtest(ex, BacktestOptions{Scorecards: scs, Split: SplitAccounts})
	require.Empty(t, rep.Fit.Err)
	for _, w := range rep.Fit.Weights {
		if w.Metric == errs.Key {
			require.Equal(t, DirectionLearned, w.DirectionFrom)
			require.False(t, w.HigherIsBetter, "the fit: more errors went with more churn (coefficient %+.2f per SD of the metric score)", w.Coefficient)
			return
		}
	}
	t.Fatalf("the fit has no weight for %s: %+v", errs.Key, rep.Fit.Weights)
}
