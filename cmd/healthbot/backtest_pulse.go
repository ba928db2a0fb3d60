package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// backtestPulse is the backtest's pulse section (#17): per CSM over the
// whole history, the split of their ratings, how often they disagreed
// with the data's band, how well they ranked the accounts that churned
// within the horizon, and the mostly-green flag (thresholds from the
// default scorecard's alert rules).
func backtestPulse(ctx context.Context, st *store.Store, cards scoring.Scorecards, horizonDays int) ([]scoring.PulseHonestyReport, error) {
	obs, err := st.PulseObservations(ctx, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return scoring.PulseHonesty(scoring.WithDataBands(obs, cards), time.Duration(horizonDays)*24*time.Hour, scoring.HonestyThresholdsOf(cards.For(scoring.Account{}).Alerts)), nil
}

// printPulse is the report's pulse section.
func printPulse(w io.Writer, rs []scoring.PulseHonestyReport) {
	if len(rs) == 0 {
		fmt.Fprintln(w, "\nPulse per CSM: no pulse answers yet.")
		return
	}
	fmt.Fprintln(w, "\nPulse per CSM (whole history; churn ranking: AUC of Poor > Concerning > Healthy for churn within the horizon):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CSM\tANSWERS\tHEALTHY\tCONCERNING\tPOOR\tDISAGREE\tRED ACCOUNTS\tCHURN RANKING\tFLAG")
	for _, r := range rs {
		flag := ""
		if r.MostlyGreen {
			flag = "mostly green"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.0f%%\t%.0f%%\t%.0f%%\t%.0f%%\t%.0f%%\t%s\t%s\n", r.CSMName, r.Answers, 100*r.Healthy, 100*r.Concerning,
			100*r.Poor, 100*r.Disagree, 100*r.RedAccounts, blocks.ChurnRankText(r), flag)
	}
	_ = tw.Flush()
}
