package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func setupBacktest(t *testing.T) *scoringPortfolio {
	t.Helper()
	churn := map[int]int{}
	for i, ago := range []int{20, 45, 70, 95, 120, 30, 60, 90} {
		churn[i*3] = ago // spread over the healthiness range, not only the weakest
	}
	return seedScoringPortfolio(t, portfolioSpec{accounts: 30, days: 200, churn: churn})
}

func TestBacktestJSONShapeAndWritesNoScores(t *testing.T) {
	t.Parallel()
	p := setupBacktest(t)
	out := filepath.Join(t.TempDir(), "suggested.yaml")

	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--json", "--write", out)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 0, p.scoreRows(t), "the backtest never writes scores")
	var kept int
	require.NoError(t, p.pool.QueryRow(context.Background(), `SELECT count(*) FROM backtest_run WHERE horizon_days = 30 AND report ? 'auc'`).Scan(&kept))
	require.Equal(t, 1, kept, "the report is kept for the backtest_summary tool")

	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	for _, key := range []string{"auc", "auc_ci", "auc_fitted", "n_accounts", "n_churned", "scorecards", "lift_worst_decile",
		"red_precision", "red_recall", "shuffled_control", "as_of_dates", "horizon_days", "verdict", "auc_reference", "auc_reference_ci"} {
		require.Contains(t, got, key)
	}
	require.Len(t, got["auc_ci"], 2)
	require.Equal(t, 30.0, got["horizon_days"])
	require.EqualValues(t, 30, got["n_accounts"])
	require.Greater(t, got["n_churned"], 0.0)
	require.Greater(t, got["auc"], 0.5, "the fixture's churners decline first")
	cards, ok := got["scorecards"].([]any)
	require.True(t, ok)
	require.Len(t, cards, 1)
	card, ok := cards[0].(map[string]any)
	require.True(t, ok)
	require.Equal(t, "default", card["name"])
	require.Contains(t, card, "auc")

	if got["suggested_file"] != nil {
		b, err := os.ReadFile(out)
		require.NoError(t, err)
		_, err = scoring.ParseScorecards(b)
		require.NoError(t, err, "the suggested file is a valid scorecard file")
	}
}

func TestBacktestReportsInWords(t *testing.T) {
	t.Parallel()
	p := setupBacktest(t)
	out := filepath.Join(t.TempDir(), "suggested.yaml")
	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--write", out, "--split", "accounts")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "churn within 30 days")
	require.Contains(t, stdout, "labels shuffled at random")
	require.Contains(t, stdout, "SCORECARD")
	require.Contains(t, stdout, "default")
}

func TestBacktestSaysWhenThereIsNoHistory(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 3, days: 20})
	code, _, errOut := p.run(t, nil, "backtest")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "the history is too short for a 90-day horizon: signals span 21 days (2026-03-11 to 2026-03-31)")
	require.Contains(t, errOut, "a month-end at least 30 days into the history (2026-04-30) followed by the 90-day horizon, i.e. 140 days of history")
	require.Contains(t, errOut, "import at least 120 more days of history")
	require.NotContains(t, errOut, "no month-end between", "no reversed range")

	code, _, errOut = p.run(t, nil, "backtest", "--horizon", "soon")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--horizon")
}

// TestBacktestOnTheDemoPortfolio is the acceptance check of the score:
// on the demo portfolio it predicts churn with AUC ≥ 0.80, and with the
// labels shuffled the AUC interval contains 0.5.
func TestBacktestOnTheDemoPortfolio(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.Schema(t))
	p, err := demo.Generate(demo.Config{Seed: 1, AsOf: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	_, err = st.LoadDemo(ctx, store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}, false)
	require.NoError(t, err)

	res, err := Backtest(ctx, st, scoring.DefaultScorecards(), 90, time.Time{}, time.Time{}, scoring.SplitAuto)
	require.NoError(t, err)
	t.Logf("demo backtest: AUC %.3f %v over %d examples (%d churned); shuffled AUC %.3f %v; fitted held-out %.3f vs current %.3f",
		res.AUC, res.AUCCI, res.N, res.NChurned, res.Shuffled.AUC, res.Shuffled.AUCCI, res.AUCFitted, res.AUCHeldOut)
	require.GreaterOrEqual(t, res.AUC, 0.80)
	require.Equal(t, scoring.SignalPredictive, res.Signal)
	require.True(t, res.Shuffled.AUCCI.Contains(0.5), "shuffled labels: %v", res.Shuffled.AUCCI)
	require.Equal(t, scoring.SignalNone, res.Shuffled.Signal)
}

// A history that is too short for the horizon says which horizon fits,
// and that horizon works (#20: it printed a reversed date range).
func TestBacktestShortHistorySuggestsAHorizon(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 3, days: 70})
	code, _, errOut := p.run(t, nil, "backtest")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "the history is too short for a 90-day horizon: signals span 71 days (2026-01-20 to 2026-03-31)")
	require.Contains(t, errOut, "i.e. 129 days of history; try --horizon 31d (the longest this history allows)")
	require.NotContains(t, errOut, "no month-end between")

	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "31d")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "1 month-ends 2026-02-28 … 2026-02-28, churn within 31 days")
}

// One churned example: the shuffled control says it is too few instead of
// printing "AUC 0.00 (95 % CI 0.00–0.00)" (#20).
func TestBacktestControlNeedsEnoughChurn(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 12, days: 120, churn: map[int]int{3: 45}})
	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Control, labels shuffled at random: not computed — 1 churned of")
	require.Contains(t, stdout, "is too few (it needs at least 10 churned and some retained)")
	require.NotContains(t, stdout, "0.00–0.00")
}

// The fitted scorecards are written only with --write FILE; otherwise the
// report says how to save them and nothing lands in the working directory
// (#20: scorecards.suggested.yaml appeared unasked).
func TestBacktestWritesTheFitOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	p := setupBacktest(t)
	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--min-churned", "3", "--split", "accounts")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Fitted scorecards not written; to save them: healthbot backtest … --write scorecards.suggested.yaml")
	_, err := os.Stat(DefaultSuggestedFile)
	require.True(t, os.IsNotExist(err), "nothing is written to the working directory unasked")

	out := filepath.Join(t.TempDir(), "fitted.yaml")
	code, stdout, errOut = p.run(t, nil, "backtest", "--horizon", "30d", "--min-churned", "3", "--split", "accounts", "--write", out)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Fitted scorecards written to "+out)
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	_, err = scoring.ParseScorecards(b)
	require.NoError(t, err)
}

// A signal nobody declared is discovered and fitted: the fit reads the
// scorecards extended with the discovered metrics, learns the direction
// and weighs it (it used to see only the declared catalog).
func TestBacktestFitsDiscoveredMetrics(t *testing.T) {
	t.Parallel()
	p := setupBacktest(t)
	_, err := p.pool.Exec(context.Background(), `INSERT INTO signal (account_id, metric, observed_at, value, source)
		SELECT account_id, 'widgets_built', observed_at, round(value * 100), source
		FROM signal WHERE metric = 'active_user_ratio'`)
	require.NoError(t, err)
	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--min-churned", "3", "--split", "accounts", "--json")
	require.Equal(t, 0, code, errOut)
	var res BacktestResult
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	require.Empty(t, res.Fit.Err)
	var found bool
	for _, w := range res.Fit.Weights {
		if w.Signal == "widgets_built" {
			found = true
			t.Logf("%+v", w)
		}
	}
	require.True(t, found, "widgets_built is a candidate of the fit: %+v", res.Fit.Weights)
}
