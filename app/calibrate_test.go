package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// noFeatures is a portfolio whose accounts send nothing: every scorecard
// scores them "not enough data", so a calibration's diff is empty and only
// its decision is under test.
type noFeatures struct{ accounts []scoring.Account }

func (s noFeatures) Accounts(context.Context) ([]scoring.Account, error) { return s.accounts, nil }
func (noFeatures) Features(context.Context, time.Time, []scoring.Metric) (scoring.FeatureSet, error) {
	return scoring.FeatureSet{}, nil
}
func (noFeatures) UpsertScores(context.Context, []scoring.Score) (int64, error) { return 0, nil }

// A calibration is proposed only when weights were fitted and they rank
// churn better on held-out data; otherwise it says why not. The version
// it stores carries the AUCs, the diff and what it replaces.
func TestCalibrationDecision(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := noFeatures{accounts: []scoring.Account{{ID: 1, Name: "Acme"}, {ID: 2, Name: "Birch"}}}
	in := app.InForce{Cards: scoring.DefaultScorecards(), Source: "built-in defaults"}
	day := time.Date(2026, 11, 30, 15, 0, 0, 0, time.UTC)
	fitted := func(current, after float64) app.ChurnFit {
		var f app.ChurnFit
		f.SuggestedYAML, f.Fitted = string(scoring.DefaultsYAML()), scoring.DefaultScorecards()
		f.Fit.AUCCurrent, f.Fit.AUCFitted = current, after
		return f
	}

	none := app.ChurnFit{}
	none.Fit.Err = "too few churned accounts"
	c, err := app.CalibrationFrom(ctx, st, in, none, day, nil)
	require.NoError(t, err)
	require.False(t, c.Proposable())
	require.Equal(t, "no weights could be fitted: too few churned accounts", c.Reason)
	require.Empty(t, c.YAML)

	c, err = app.CalibrationFrom(ctx, st, in, fitted(0.80, 0.78), day, nil)
	require.NoError(t, err)
	require.False(t, c.Proposable())
	require.Equal(t, "the fitted weights do not rank churn better on held-out data (AUC 0.78 against 0.80 now)", c.Reason)

	c, err = app.CalibrationFrom(ctx, st, in, fitted(0.70, 0.85), day, nil)
	require.NoError(t, err)
	require.True(t, c.Proposable(), c.Reason)
	require.Equal(t, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), c.Day, "the day, not the instant")
	require.Equal(t, 2, c.Accounts)
	require.Empty(t, c.Changes, "nobody has data: nobody changes band")
	require.Equal(t, map[scoring.Band]int{scoring.BandNone: 2}, c.Before)
	v := c.Version("calibrate (monthly)", store.VersionProposed, "")
	require.Equal(t, store.NewScorecardVersion{
		YAML: c.YAML, Source: "calibrate (monthly)", Status: store.VersionProposed,
		AUCBefore: 0.70, AUCAfter: 0.85, HasAUC: true, Summary: c.Summary(), Replaces: "built-in defaults",
	}, v)
	require.Contains(t, v.Summary, "On 2026-11-30 no account would change band (2 scored).")

	_, err = app.CalibrationFrom(ctx, st, in, app.ChurnFit{BacktestReport: scoring.BacktestReport{SuggestedYAML: "x"}}, day, nil)
	require.Error(t, err, "fitted YAML without fitted scorecards is a bug, not a reason")
}

// The band diff lists only the accounts whose band moves, worst drop
// first; an account without an old score counts as a move.
func TestBandChanges(t *testing.T) {
	t.Parallel()
	accounts := []scoring.Account{{ID: 1, Name: "Acme"}, {ID: 2, Name: "Birch"}, {ID: 3, Name: "Cedar"}, {ID: 4, Name: "Dune"}}
	old := []scoring.Score{
		{AccountID: 1, Value: 45, Band: scoring.BandYellow},
		{AccountID: 2, Value: 72, Band: scoring.BandGreen},
		{AccountID: 3, Value: 50, Band: scoring.BandYellow},
	}
	next := []scoring.Score{
		{AccountID: 1, Value: 35, Band: scoring.BandRed},
		{AccountID: 2, Value: 70, Band: scoring.BandGreen},
		{AccountID: 3, Value: 30, Band: scoring.BandRed},
		{AccountID: 4, Value: 80, Band: scoring.BandGreen},
	}
	got := app.BandChanges(accounts, old, next)
	names := make([]string, len(got))
	for i, c := range got {
		names[i] = c.Account.Name
	}
	require.Equal(t, []string{"Cedar", "Acme", "Dune"}, names)
	require.Equal(t, "not enough data", app.BandName(scoring.BandNone))
	require.Equal(t, "–", app.ScoreText(got[2].Old))
}
