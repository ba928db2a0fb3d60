package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/app"
)

// calibrationSummary prints what `healthbot calibrate` would change on the
// demo portfolio, from the backtest and the last day's scores the demo
// already has: held-out AUC before → after and the accounts that would
// change band on that day. It stores nothing.
func (r demoReport) calibrationSummary(ctx context.Context, in app.InForce, res BacktestResult, last app.ScoreSummary, day time.Time) error {
	r.heading("What calibration would change (healthbot calibrate)")
	c, err := app.CalibrationFrom(ctx, r.st, in, res.fit, day, last.Scores)
	if err != nil {
		return err
	}
	if c.YAML == "" {
		fmt.Fprintf(r.w, "  Nothing to change: %s.\n", c.Reason)
		return nil
	}
	for _, line := range strings.Split(c.Summary(), "\n") {
		fmt.Fprintf(r.w, "  %s\n", line)
	}
	fmt.Fprintf(r.w, "  Bands on %s: now %s; fitted %s.\n", c.Day.Format(time.DateOnly), bandLine(c.Before), bandLine(c.After))
	if c.Reason != "" {
		fmt.Fprintf(r.w, "  Not proposed: %s.\n", c.Reason)
		return nil
	}
	fmt.Fprintln(r.w, "  Nothing was stored. `healthbot calibrate --apply` puts the fitted weights in force; with")
	fmt.Fprintln(r.w, "  HEALTHBOT_CALIBRATE=monthly, serve proposes them in HEALTHBOT_OPS_CHANNEL on the 1st for Approve / Dismiss.")
	return nil
}
