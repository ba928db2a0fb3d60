package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// calibrateHorizonDays is the churn horizon a calibration fits on, the
// backtest's default.
const calibrateHorizonDays = 90

// calibrationMovesShown is how many accounts that would change band the
// diff names; the rest are counted.
const calibrationMovesShown = 10

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
	cal, err := Calibrate(ctx, st, in, BacktestParams{HorizonDays: f.horizonDays, MinChurned: e.cfg.MinChurned, Split: f.split}, f.day)
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

// Calibration is a fit of the scorecards in force on the churn history
// and its dry-run diff: held-out AUC before and after, and the accounts
// whose band it would change on Day.
type Calibration struct {
	Current  app.InForce
	Backtest BacktestResult
	Day      time.Time
	YAML     string             // the fitted scorecards; "" when nothing could be fitted
	Fitted   scoring.Scorecards // YAML, parsed
	Accounts int                // scored on Day
	Before   map[scoring.Band]int
	After    map[scoring.Band]int
	Changes  []bandChange // worst drop first
	Reason   string       // why nothing is proposed, or ""
}

// Calibrate runs the backtest fit on the scorecards in force and diffs the
// fitted ones against them on day. It writes nothing.
// p says the horizon and the churn needed (its range and split stay
// automatic).
func Calibrate(ctx context.Context, st *store.Store, in app.InForce, p BacktestParams, day time.Time) (Calibration, error) {
	res, err := BacktestWith(ctx, st, in.Cards, p)
	if err != nil {
		return Calibration{}, err
	}
	res.ScorecardsSource = in.Source
	return calibrationFrom(ctx, st, in, res, day, nil)
}

// calibrationFrom diffs a backtest's fitted scorecards against the ones in
// force on day. The demo passes the backtest it already ran and the scores
// of day it already computed with in (current; nil computes them).
func calibrationFrom(ctx context.Context, st *store.Store, in app.InForce, res BacktestResult, day time.Time, current []scoring.Score) (Calibration, error) {
	c := Calibration{Current: in, Backtest: res, Day: scoring.Day(day)}
	switch {
	case res.SuggestedYAML == "":
		c.Reason = "no weights could be fitted"
		if res.Fit.Err != "" {
			c.Reason += ": " + res.Fit.Err
		}
		return c, nil
	case res.Fit.Err != "":
		c.Reason = "no weights could be fitted: " + res.Fit.Err
		return c, nil
	}
	c.YAML, c.Fitted = res.SuggestedYAML, res.Fitted
	if c.Fitted.IsZero() {
		return c, errors.New("calibrate: the backtest wrote fitted scorecards but returned none to compare")
	}
	oldScores, accounts, err := current, []scoring.Account(nil), error(nil)
	if current == nil {
		oldScores, accounts, err = app.ComputeScores(ctx, st, in.Cards, c.Day)
	} else {
		accounts, err = st.Accounts(ctx)
	}
	if err != nil {
		return c, err
	}
	newScores, _, err := app.ComputeScores(ctx, st, c.Fitted, c.Day)
	if err != nil {
		return c, err
	}
	c.Accounts = len(newScores)
	c.Before, c.After = app.BandCounts(oldScores), app.BandCounts(newScores)
	c.Changes = bandChanges(accounts, oldScores, newScores)
	if res.Fit.AUCFitted <= res.Fit.AUCCurrent {
		c.Reason = fmt.Sprintf("the fitted weights do not rank churn better on held-out data (AUC %.2f against %.2f now)",
			res.Fit.AUCFitted, res.Fit.AUCCurrent)
	}
	return c, nil
}

// Proposable reports whether the calibration has scorecards worth storing.
func (c Calibration) Proposable() bool { return c.YAML != "" && c.Reason == "" }

// Version is the calibration as a scorecard version to store.
func (c Calibration) Version(source string, status store.VersionStatus, by string) store.NewScorecardVersion {
	return store.NewScorecardVersion{
		YAML: c.YAML, Source: source, Status: status, DecidedBy: by,
		AUCBefore: c.Backtest.Fit.AUCCurrent, AUCAfter: c.Backtest.Fit.AUCFitted, HasAUC: true, Summary: c.Summary(),
		Replaces: c.Current.Source,
	}
}

// Summary is the diff in words: the lines printed by calibrate, stored
// with the version and posted to the ops channel.
func (c Calibration) Summary() string {
	var b strings.Builder
	f := c.Backtest.Fit
	if c.YAML == "" {
		fmt.Fprintf(&b, "Nothing to change: %s.", c.Reason)
		return b.String()
	}
	fmt.Fprintf(&b, "Held-out AUC %.2f (95%% CI %.2f–%.2f) → %.2f (%.2f–%.2f); trained on %d examples (%d churned), tested on %d (%d churned), %s.\n",
		f.AUCCurrent, f.AUCCurrentCI[0], f.AUCCurrentCI[1], f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1],
		f.TrainN, f.TrainChurned, f.TestN, f.TestChurned, f.SplitNote)
	if f.AUCCurrentCI.Contains(f.AUCFitted) || f.AUCFittedCI.Contains(f.AUCCurrent) {
		b.WriteString("The gain is within the noise (one AUC lies inside the other's 95% interval): weigh the band changes below before approving.\n")
	}
	day := c.Day.Format(time.DateOnly)
	if len(c.Changes) == 0 {
		fmt.Fprintf(&b, "On %s no account would change band (%d scored).\n", day, c.Accounts)
	} else {
		fmt.Fprintf(&b, "On %s, %d of %d accounts would change band (%s).\n", day, len(c.Changes), c.Accounts, moveCounts(c.Changes))
		for i, ch := range c.Changes {
			if i == calibrationMovesShown {
				fmt.Fprintf(&b, "• … and %d more\n", len(c.Changes)-i)
				break
			}
			fmt.Fprintf(&b, "• %s (%s): %s %s → %s %s\n", ch.account.Name, cmp.Or(ch.account.Segment, "no segment"),
				bandName(ch.old.Band), scoreText(ch.old), bandName(ch.new.Band), scoreText(ch.new))
		}
	}
	if w := weightChanges(f.Weights); w != "" {
		fmt.Fprintf(&b, "Weights: %s.\n", w)
	}
	return strings.TrimRight(b.String(), "\n")
}

// moveCounts is "3 yellow → red, 2 green → yellow", most frequent first.
func moveCounts(changes []bandChange) string {
	type move struct{ from, to scoring.Band }
	n := map[move]int{}
	var order []move
	for _, c := range changes {
		m := move{c.old.Band, c.new.Band}
		if n[m] == 0 {
			order = append(order, m)
		}
		n[m]++
	}
	slices.SortStableFunc(order, func(a, b move) int { return n[b] - n[a] }) // ties: first seen first
	parts := make([]string, 0, len(order))
	for _, m := range order {
		from := bandName(m.from)
		if m.from == "" {
			from = "unscored"
		}
		parts = append(parts, fmt.Sprintf("%d %s → %s", n[m], from, bandName(m.to)))
	}
	return strings.Join(parts, ", ")
}

// weightChanges lists the metrics whose effective weight moves by at least
// one point, largest move first: "logins 0.20 → 0.31, tickets 0.10 → 0".
func weightChanges(ws []scoring.FittedWeight) string {
	type wc struct {
		name     string
		cur, sug float64
	}
	var out []wc
	for _, w := range ws {
		if w.Coefficient == 0 && w.Suggested == 0 {
			continue // no data to fit: nobody sends it, so it never weighed anything
		}
		name := w.Metric
		if w.Suggested > 0 && (w.Flipped || w.DirectionFrom == scoring.DirectionLearned) {
			dir := "lower is better"
			if w.HigherIsBetter {
				dir = "higher is better"
			}
			name += " (" + dir + ", learned)"
		}
		if d := w.Suggested - w.Current; d >= 0.01 || d <= -0.01 || name != w.Metric {
			out = append(out, wc{name, w.Current, w.Suggested})
		}
	}
	slices.SortStableFunc(out, func(a, b wc) int { // largest |change| first; ties keep the fit's order
		return cmp.Compare(math.Abs(b.sug-b.cur), math.Abs(a.sug-a.cur))
	})
	parts := make([]string, 0, len(out))
	for _, x := range out {
		parts = append(parts, fmt.Sprintf("%s %.2f → %.2f", x.name, x.cur, x.sug))
	}
	return strings.Join(parts, ", ")
}

// printCalibration prints the dry-run diff.
func printCalibration(w io.Writer, c Calibration) {
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
