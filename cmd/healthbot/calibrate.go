package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// calibrateHorizonDays is the churn horizon a calibration fits on, the
// backtest's default.
const calibrateHorizonDays = 90

func calibrateCommand() command {
	return command{
		summary: "fit the scorecard weights on your churn history and show what would change (--apply stores them)",
		usage:   "calibrate [--horizon 90d] [--as-of DATE] [--split time|accounts] [--apply] [--by NAME]",
		run:     runCalibrate,
	}
}

// calibrateFlags are the parsed flags of the calibrate command.
type calibrateFlags struct {
	horizonDays int
	day         time.Time // the day whose bands the diff compares
	apply       bool
	by          string
	split       scoring.Split
}

func parseCalibrateFlags(e *env, args []string) (calibrateFlags, error) {
	fs := flags("calibrate", e)
	horizon := fs.String("horizon", "90d", "churn within this long after each month-end counts (e.g. 90d, 12w)")
	asOf := fs.String("as-of", "", "the day whose bands the diff compares, YYYY-MM-DD (default today)")
	apply := fs.Bool("apply", false, "store the fitted scorecards as the approved version in force (otherwise nothing is written)")
	by := fs.String("by", "", "who approves, recorded with --apply (default $USER)")
	split := fs.String("split", "", "hold-out for the fit: time or accounts (default: time when history allows); accounts keeps more churn to learn from on a short history")
	if err := parseFlags(fs, args); err != nil {
		return calibrateFlags{}, err
	}
	if fs.NArg() > 0 {
		return calibrateFlags{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	f := calibrateFlags{apply: *apply, by: *by, day: scoring.Day(time.Now().In(e.cfg.TimeZone))}
	switch s := scoring.Split(*split); s {
	case scoring.SplitAuto, scoring.SplitTime, scoring.SplitAccounts:
		f.split = s
	default:
		return f, usagef("--split %q: want time or accounts", *split)
	}
	var err error
	if f.horizonDays, err = parseHorizon(*horizon); err != nil {
		return f, err
	}
	if *asOf != "" {
		if f.day, err = parseDay("as-of", *asOf); err != nil {
			return f, err
		}
	}
	f.by = approver(e, f.by)
	return f, nil
}

func runCalibrate(ctx context.Context, e *env, args []string) error {
	f, err := parseCalibrateFlags(e, args)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	in, err := app.ScorecardsInForce(ctx, st, e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	cal, err := app.Calibrate(ctx, st, in, app.FitParams{HorizonDays: f.horizonDays, MinChurned: e.cfg.MinChurned, Split: f.split}, f.day)
	if err != nil {
		return err
	}
	printCalibration(e.out, cal)
	if !cal.Proposable() {
		return nil
	}
	if !f.apply {
		fmt.Fprintln(e.out, "\nDry run: nothing was stored. Run `healthbot calibrate --apply` to put these scorecards in force.")
		return nil
	}
	v, err := st.InsertScorecardVersion(ctx, cal.Version("calibrate", store.VersionApproved, f.by), time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "\nStored as %s; scoring uses it from the next run.\n", app.VersionSource(v))
	if in.File != "" {
		fmt.Fprintf(e.out, "Note: HEALTHBOT_SCORECARDS names %s, which wins over stored versions while it is set.\n", in.File)
	}
	return nil
}

// printCalibration prints the dry-run diff.
func printCalibration(w io.Writer, c app.Calibration) {
	r := c.Backtest
	fmt.Fprintf(w, "Calibration of %s: %d month-ends %s … %s, churn within %d days.\n",
		c.Current.Source, len(r.AsOfDates), r.AsOfDates[0], r.AsOfDates[len(r.AsOfDates)-1], r.HorizonDays)
	if c.YAML == "" {
		fmt.Fprintf(w, "Nothing to change: %s.\n", c.Reason)
		return
	}
	fmt.Fprintf(w, "\n%s\n", c.Summary())
	fmt.Fprintf(w, "\nBands on %s: now %s; fitted %s.\n", c.Day.Format(time.DateOnly), bandLine(c.Before), bandLine(c.After))
	if c.Reason != "" {
		fmt.Fprintf(w, "\nNot proposed: %s.\n", c.Reason)
	}
}
