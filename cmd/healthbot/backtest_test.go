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

	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--json", "--out", out)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 0, p.scoreRows(t), "the backtest never writes scores")
	var kept int
	require.NoError(t, p.pool.QueryRow(context.Background(), `SELECT count(*) FROM backtest_run WHERE horizon_days = 30 AND report ? 'auc'`).Scan(&kept))
	require.Equal(t, 1, kept, "the report is kept for the backtest_summary tool")

	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	for _, key := range []string{"auc", "auc_ci", "auc_fitted", "n_accounts", "n_churned", "scorecards", "lift_worst_decile",
		"red_precision", "red_recall", "shuffled_control", "as_of_dates", "horizon_days", "verdict"} {
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
	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--out", out, "--split", "accounts")
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
	require.Contains(t, errOut, "no month-end")

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
