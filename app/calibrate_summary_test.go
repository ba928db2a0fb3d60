package app_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
)

func TestCalibrationSummaryInWords(t *testing.T) {
	t.Parallel()
	fit := scoring.FitReport{
		SplitNote: "time split", TrainN: 900, TrainChurned: 60, TestN: 300, TestChurned: 20,
		AUCCurrent: 0.94, AUCCurrentCI: scoring.Interval{0.91, 0.98}, AUCFitted: 0.96, AUCFittedCI: scoring.Interval{0.91, 1},
		Weights: []scoring.FittedWeight{
			{Metric: "active_user_ratio", Coefficient: -1.2, Current: 0.13, Suggested: 0.30, HigherIsBetter: true, DirectionFrom: scoring.DirectionDeclared},
			{Metric: "tickets_open", Coefficient: 0.8, Current: 0, Suggested: 0.2, HigherIsBetter: false, DirectionFrom: scoring.DirectionLearned},
			{Metric: "nps", Coefficient: 0, Current: 0.04, Suggested: 0}, // nobody sends it
		},
	}
	acct := func(name string) scoring.Account { return scoring.Account{Name: name, Segment: "SMB"} }
	c := app.Calibration{
		YAML: "scorecards: []", Day: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Accounts: 40,
		Backtest: app.ChurnFit{BacktestReport: scoring.BacktestReport{Fit: fit}},
		Changes: []app.BandChange{
			{Account: acct("Acme"), Old: scoring.Score{Value: 45, Band: scoring.BandYellow}, New: scoring.Score{Value: 35, Band: scoring.BandRed}},
			{Account: acct("Birch"), Old: scoring.Score{Value: 50, Band: scoring.BandYellow}, New: scoring.Score{Value: 38, Band: scoring.BandRed}},
			{Account: scoring.Account{Name: "Cedar"}, Old: scoring.Score{Value: 72, Band: scoring.BandGreen}, New: scoring.Score{Value: 65, Band: scoring.BandYellow}},
		},
	}
	require.True(t, c.Proposable())
	require.Equal(t, "Held-out AUC 0.94 (95% CI 0.91–0.98) → 0.96 (0.91–1.00); trained on 900 examples (60 churned), tested on 300 (20 churned), time split.\n"+
		"The gain is within the noise (one AUC lies inside the other's 95% interval): weigh the band changes below before approving.\n"+
		"On 2026-12-01, 3 of 40 accounts would change band (2 yellow → red, 1 green → yellow).\n"+
		"• Acme (SMB): yellow 45.0 → red 35.0\n"+
		"• Birch (SMB): yellow 50.0 → red 38.0\n"+
		"• Cedar (no segment): green 72.0 → yellow 65.0\n"+
		"Weights: tickets_open (lower is better, learned) 0.00 → 0.20, active_user_ratio 0.13 → 0.30.", c.Summary())

	c.Reason = "the fitted weights do not rank churn better on held-out data (AUC 0.90 against 0.94 now)"
	require.False(t, c.Proposable())
	none := app.Calibration{Reason: "no weights could be fitted: too few churned accounts"}
	require.Equal(t, "Nothing to change: no weights could be fitted: too few churned accounts.", none.Summary())
}
