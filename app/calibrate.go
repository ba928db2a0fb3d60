package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Calibration is a fit of the scorecards in force on the churn history
// and its dry-run diff: held-out AUC before and after, and the accounts
// whose band it would change on Day. The CLI prints it, the monthly job
// proposes it in Slack, the demo shows it; none of them decides anything
// the Calibration does not already say.
type Calibration struct {
	Current  InForce
	Backtest ChurnFit
	Day      time.Time
	YAML     string             // the fitted scorecards; "" when nothing could be fitted
	Fitted   scoring.Scorecards // YAML, parsed
	Accounts int                // scored on Day
	Before   map[scoring.Band]int
	After    map[scoring.Band]int
	Changes  []BandChange // worst drop first
	Reason   string       // why nothing is proposed, or ""
}

// Calibrate fits the weights of the scorecards in force on the churn
// history (p says the horizon and the churn needed; its range and split
// may stay automatic) and diffs the fitted ones against them on day. It
// writes nothing: storing or proposing the result is the caller's choice.
func Calibrate(ctx context.Context, st FitStore, in InForce, p FitParams, day time.Time) (Calibration, error) {
	fit, err := FitOnChurn(ctx, st, in.Cards, p)
	if err != nil {
		return Calibration{}, err
	}
	return CalibrationFrom(ctx, st, in, fit, day, nil)
}

// CalibrationFrom diffs a fit's scorecards against the ones in force on
// day. The demo passes the fit it already ran and the scores of day it
// already computed with in (current; nil computes them), so it scores the
// day once.
func CalibrationFrom(ctx context.Context, st ScoringStore, in InForce, fit ChurnFit, day time.Time, current []scoring.Score) (Calibration, error) {
	c := Calibration{Current: in, Backtest: fit, Day: scoring.Day(day)}
	if fit.SuggestedYAML == "" || fit.Fit.Err != "" {
		c.Reason = "no weights could be fitted"
		if fit.Fit.Err != "" {
			c.Reason += ": " + fit.Fit.Err
		}
		return c, nil
	}
	c.YAML, c.Fitted = fit.SuggestedYAML, fit.Fitted
	if c.Fitted.IsZero() {
		return c, errors.New("calibrate: the backtest wrote fitted scorecards but returned none to compare")
	}
	oldScores := current
	var accounts []scoring.Account
	var err error
	if current == nil {
		oldScores, accounts, err = ComputeScores(ctx, st, in.Cards, c.Day)
	} else {
		accounts, err = st.Accounts(ctx)
	}
	if err != nil {
		return c, err
	}
	newScores, _, err := ComputeScores(ctx, st, c.Fitted, c.Day)
	if err != nil {
		return c, err
	}
	c.Accounts = len(newScores)
	c.Before, c.After = BandCounts(oldScores), BandCounts(newScores)
	c.Changes = BandChanges(accounts, oldScores, newScores)
	if fit.Fit.AUCFitted <= fit.Fit.AUCCurrent {
		c.Reason = fmt.Sprintf("the fitted weights do not rank churn better on held-out data (AUC %.2f against %.2f now)",
			fit.Fit.AUCFitted, fit.Fit.AUCCurrent)
	}
	return c, nil
}

// Proposable reports whether the calibration has scorecards worth storing:
// fitted, and ranking churn better on held-out data than those in force.
func (c Calibration) Proposable() bool { return c.YAML != "" && c.Reason == "" }

// Version is the calibration as a scorecard version to store, with the
// AUCs and the diff in words, so whoever approves it later (or reads the
// history) sees what it was judged on.
func (c Calibration) Version(source string, status store.VersionStatus, by string) store.NewScorecardVersion {
	return store.NewScorecardVersion{
		YAML: c.YAML, Source: source, Status: status, DecidedBy: by,
		AUCBefore: c.Backtest.Fit.AUCCurrent, AUCAfter: c.Backtest.Fit.AUCFitted, HasAUC: true, Summary: c.Summary(),
		Replaces: c.Current.Source,
	}
}
