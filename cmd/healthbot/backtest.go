package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// DefaultSuggestedFile is where backtest writes the fitted weights.
const DefaultSuggestedFile = "scorecards.suggested.yaml"

// backtestWarmupDays is how much history the default range leaves before
// the first month-end, so windowed features have data.
const backtestWarmupDays = 30

// shuffleSeed fixes the label shuffle of the control, so runs repeat.
const shuffleSeed = 1

func backtestCommand() command {
	return command{
		summary: "check whether the score predicts churn, and suggest fitted weights",
		usage:   "backtest [--horizon 90d] [--from DATE] [--to DATE] [--split time|accounts] [--scorecards FILE] [--json] [--out FILE]",
		run:     runBacktest,
	}
}

// backtestFlags are the parsed flags of the backtest command.
type backtestFlags struct {
	horizonDays int
	from, to    time.Time // zero: from the history in the database
	split       scoring.Split
	scorecards  string
	json        bool
	out         string
}

func parseBacktestFlags(e *env, args []string) (backtestFlags, error) {
	fs := flags("backtest", e)
	horizon := fs.String("horizon", "90d", "churn within this long after each month-end counts (e.g. 90d, 12w)")
	from := fs.String("from", "", "first month-end to score, YYYY-MM-DD (default: 30 days into the history)")
	to := fs.String("to", "", "last month-end to score, YYYY-MM-DD (default: the horizon before the newest signal)")
	split := fs.String("split", "", "hold-out for the fitted weights: time or accounts (default: time when history allows)")
	cards := fs.String("scorecards", "", "scorecard YAML file (default $HEALTHBOT_SCORECARDS, else the built-in defaults)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	out := fs.String("out", DefaultSuggestedFile, "where to write the fitted weights as a scorecard file")
	if err := parseFlags(fs, args); err != nil {
		return backtestFlags{}, err
	}
	if fs.NArg() > 0 {
		return backtestFlags{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	f := backtestFlags{scorecards: *cards, json: *asJSON, out: *out}
	var err error
	if f.horizonDays, err = parseHorizon(*horizon); err != nil {
		return f, err
	}
	switch s := scoring.Split(*split); s {
	case scoring.SplitAuto, scoring.SplitTime, scoring.SplitAccounts:
		f.split = s
	default:
		return f, usagef("--split %q: want time or accounts", *split)
	}
	if *from != "" {
		if f.from, err = parseDay("from", *from); err != nil {
			return f, err
		}
	}
	if *to != "" {
		if f.to, err = parseDay("to", *to); err != nil {
			return f, err
		}
	}
	if !f.from.IsZero() && !f.to.IsZero() && f.to.Before(f.from) {
		return f, usagef("--from %s is after --to %s", *from, *to)
	}
	if f.out == "" {
		return f, usagef("--out needs a file name")
	}
	return f, nil
}

// parseHorizon reads "90d", "12w", "90" (days) or a Go duration in whole days.
func parseHorizon(s string) (int, error) {
	bad := usagef("--horizon %q: want a number of days like 90d or 12w", s)
	mult := 1
	num := s
	switch {
	case strings.HasSuffix(s, "d"):
		num = strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "w"):
		num, mult = strings.TrimSuffix(s, "w"), 7
	}
	n, err := strconv.Atoi(num)
	if err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil || d%(24*time.Hour) != 0 {
			return 0, bad
		}
		n, mult = int(d/(24*time.Hour)), 1
	}
	if n <= 0 {
		return 0, bad
	}
	return n * mult, nil
}

func runBacktest(ctx context.Context, e *env, args []string) error {
	f, err := parseBacktestFlags(e, args)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	cards, src, err := loadScorecards(ctx, st, f.scorecards, e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	res, err := Backtest(ctx, st, cards, f.horizonDays, f.from, f.to, f.split)
	if err != nil {
		return err
	}
	res.ScorecardsSource = src
	if res.SuggestedYAML != "" {
		if res.SuggestedFile, err = writeSuggested(f.out, res.SuggestedYAML); err != nil {
			return err
		}
	}
	if f.json {
		enc := json.NewEncoder(e.out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	printBacktest(e.out, res)
	return nil
}

// BacktestResult is the backtest report with what it ran on; it is the
// JSON `backtest --json` prints.
type BacktestResult struct {
	scoring.BacktestReport
	HorizonDays      int                `json:"horizon_days"`
	AsOfDates        []string           `json:"as_of_dates"`
	ScorecardsSource string             `json:"scorecards_source"`
	Shuffled         scoring.Evaluation `json:"shuffled_control"` // the same scores against randomly permuted labels
	SuggestedFile    string             `json:"suggested_file,omitempty"`
	Note             string             `json:"note,omitempty"`
	Outcomes         outcomeCounts      `json:"outcomes"` // reasons owners gave (backtest_outcomes.go)
}

// Backtest scores every account alive at each month-end in [from, to]
// (zero: derived from the signal history) without writing scores, labels it
// by churn within horizonDays, and evaluates and fits the weights.
func Backtest(ctx context.Context, st *store.Store, cards scoring.Scorecards, horizonDays int, from, to time.Time, split scoring.Split) (BacktestResult, error) {
	first, last, ok, err := st.SignalSpan(ctx)
	if err != nil {
		return BacktestResult{}, err
	}
	if !ok {
		return BacktestResult{}, errors.New("there are no signals in the database, so nothing to backtest (import signals or run `healthbot demo`)")
	}
	res := BacktestResult{HorizonDays: horizonDays}
	lastLabel := scoring.Day(last).AddDate(0, 0, -horizonDays)
	if from.IsZero() {
		from = scoring.Day(first).AddDate(0, 0, backtestWarmupDays)
	}
	if to.IsZero() {
		to = lastLabel
	} else if to.After(lastLabel) {
		res.Note = fmt.Sprintf("month-ends after %s have less than %d days of history after them, so some churn is not yet known", lastLabel.Format(time.DateOnly), horizonDays)
	}
	monthEnds := scoring.MonthEnds(from, to)
	if len(monthEnds) == 0 {
		return BacktestResult{}, fmt.Errorf("no month-end between %s and %s to backtest: signals span %s to %s and each month-end needs %d days of history after it",
			from.Format(time.DateOnly), to.Format(time.DateOnly), first.Format(time.DateOnly), last.Format(time.DateOnly), horizonDays)
	}
	for _, t := range monthEnds {
		res.AsOfDates = append(res.AsOfDates, t.Format(time.DateOnly))
	}
	examples, err := bot.BacktestExamples(ctx, st, cards, monthEnds, horizonDays)
	if err != nil {
		return BacktestResult{}, err
	}
	res.BacktestReport = scoring.Backtest(examples, scoring.BacktestOptions{Scorecards: cards, Split: split})
	res.Shuffled = scoring.Evaluate(scoring.ShuffleLabels(examples, shuffleSeed))
	res.Outcomes, err = backtestOutcomes(ctx, st)
	return res, err
}

// writeSuggested writes the fitted scorecard file and returns its absolute path.
func writeSuggested(path, yaml string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(abs, []byte(yaml), 0o644); err != nil {
		return "", fmt.Errorf("write suggested scorecards: %w", err)
	}
	return abs, nil
}

func printBacktest(w io.Writer, r BacktestResult) {
	fmt.Fprintf(w, "Backtest of %s: %d month-ends %s … %s, churn within %d days.\n",
		r.ScorecardsSource, len(r.AsOfDates), r.AsOfDates[0], r.AsOfDates[len(r.AsOfDates)-1], r.HorizonDays)
	if r.Note != "" {
		fmt.Fprintf(w, "Note: %s.\n", r.Note)
	}
	fmt.Fprintf(w, "\n%s\n\n", r.Verdict)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORECARD\tEXAMPLES\tACCOUNTS\tCHURNED\tAUC\t95% CI\tLIFT WORST 10%\tRED PRECISION\tRED RECALL\tNO DATA")
	evalRow(tw, "all", r.Evaluation)
	for _, s := range r.Scorecards {
		evalRow(tw, s.Name, s.Evaluation)
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "\nControl, labels shuffled at random: AUC %.2f (95%% CI %.2f–%.2f) — a score without signal looks like this.\n",
		r.Shuffled.AUC, r.Shuffled.AUCCI[0], r.Shuffled.AUCCI[1])
	printFit(w, r.Fit)
	printOutcomes(w, r.Outcomes)
	if r.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", r.Summary)
	}
	if r.SuggestedFile != "" {
		fmt.Fprintf(w, "\nFitted weights written as a scorecard file to %s\n(try it: healthbot score --dry-run --scorecards %s).\n", r.SuggestedFile, r.SuggestedFile)
	} else {
		fmt.Fprintln(w, "\nNo scorecard file written: no weights could be fitted.")
	}
}

func evalRow(w io.Writer, name string, e scoring.Evaluation) {
	if e.N == 0 {
		fmt.Fprintf(w, "%s\t0\t0\t0\t–\t–\t–\t–\t–\t%d\n", name, e.NNotEnoughData)
		return
	}
	fmt.Fprintf(w, "%s\t%d\t%d\t%d (%.1f%%)\t%.2f\t%.2f–%.2f\t%.1f×\t%.0f%% of %d\t%.0f%%\t%d\n", name, e.N, e.NAccounts,
		e.NChurned, 100*e.ChurnRate, e.AUC, e.AUCCI[0], e.AUCCI[1], e.LiftWorstDecile, 100*e.RedPrecision, e.NRed,
		100*e.RedRecall, e.NNotEnoughData)
}

func printFit(w io.Writer, f scoring.FitReport) {
	if f.Err != "" {
		fmt.Fprintf(w, "\nFitted weights: none (%s).\n", f.Err)
		return
	}
	fmt.Fprintf(w, "\nFitted weights (L2 logistic regression; %s split: %s)\n", f.Split, f.SplitNote)
	fmt.Fprintf(w, "  held-out AUC: current weights %.2f (%.2f–%.2f), fitted %.2f (%.2f–%.2f); train %d (%d churned), test %d (%d churned)\n\n",
		f.AUCCurrent, f.AUCCurrentCI[0], f.AUCCurrentCI[1], f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1],
		f.TrainN, f.TrainChurned, f.TestN, f.TestChurned)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  METRIC\tFAMILY\tCURRENT\tSUGGESTED\tCOEFFICIENT")
	for _, x := range f.Weights {
		fmt.Fprintf(tw, "  %s\t%s\t%.3f\t%.3f\t%+.2f\n", x.Metric, x.Family, x.Current, x.Suggested, x.Coefficient)
	}
	_ = tw.Flush()
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}
