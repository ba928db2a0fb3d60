package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// DefaultSuggestedFile is the file name backtest proposes for the fitted
// scorecards; it writes one only when --write names it.
const DefaultSuggestedFile = "scorecards.suggested.yaml"

// shuffleSeed fixes the label shuffle of the control, so runs repeat.
const shuffleSeed = 1

func backtestCommand() command {
	return command{
		summary: "check whether the score predicts churn, and suggest fitted weights",
		usage:   "backtest [--horizon 90d] [--from DATE] [--to DATE] [--split time|accounts] [--scorecards FILE] [--min-churned N] [--json] [--write FILE]",
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
	write       string // "": print where the fitted scorecards would go, write nothing
	minChurned  int
}

func parseBacktestFlags(e *env, args []string) (backtestFlags, error) {
	fs := flags("backtest", e)
	horizon := fs.String("horizon", "90d", "churn within this long after each month-end counts (e.g. 90d, 12w)")
	from := fs.String("from", "", "first month-end to score, YYYY-MM-DD (default: 30 days into the history)")
	to := fs.String("to", "", "last month-end to score, YYYY-MM-DD (default: the horizon before the newest signal)")
	split := fs.String("split", "", "hold-out for the fitted weights: time or accounts (default: time when history allows)")
	cards := fs.String("scorecards", "", "scorecard YAML file (default $HEALTHBOT_SCORECARDS, else the newest approved version, else the built-in defaults)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	write := fs.String("write", "", "write the fitted scorecards to this YAML file (default: write nothing, say where they would go)")
	minDefault := e.cfg.MinChurned // HEALTHBOT_MIN_CHURNED, as the scoring run uses
	if minDefault < 1 {
		minDefault = scoring.DefaultMinChurned
	}
	minChurned := fs.Int("min-churned", minDefault, "churned accounts needed before directions and weights are learned (default $HEALTHBOT_MIN_CHURNED, else 20)")
	if err := parseFlags(fs, args); err != nil {
		return backtestFlags{}, err
	}
	if fs.NArg() > 0 {
		return backtestFlags{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	f := backtestFlags{scorecards: *cards, json: *asJSON, write: *write, minChurned: *minChurned}
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
	if f.minChurned < 1 {
		return f, usagef("--min-churned %d: want at least 1", f.minChurned)
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
	res, err := BacktestWith(ctx, st, cards, app.FitParams{HorizonDays: f.horizonDays, From: f.from, To: f.to, Split: f.split, MinChurned: f.minChurned})
	if err != nil {
		return err
	}
	res.ScorecardsSource = src
	if res.SuggestedYAML != "" && f.write != "" {
		if res.SuggestedFile, err = writeSuggested(f.write, res.SuggestedYAML); err != nil {
			return err
		}
	}
	// Kept for the backtest_summary question tool (bot/ask, MCP).
	report, err := json.Marshal(res)
	if err != nil {
		return err
	}
	if err := store.New(pool).SaveBacktestRun(ctx, store.BacktestRun{RanAt: time.Now(), HorizonDays: res.HorizonDays, Report: report}); err != nil {
		return err
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
	// Pulse is each CSM's pulse honesty over the history (backtest_pulse.go).
	Pulse []scoring.PulseHonestyReport `json:"pulse,omitempty"`
	// fit is what the report was computed from, for calibration.
	fit app.ChurnFit
}

// Backtest scores every account alive at each month-end in [from, to]
// (zero: derived from the signal history) without writing scores, labels it
// by churn within horizonDays, and evaluates and fits the weights.
func Backtest(ctx context.Context, st *store.Store, cards scoring.Scorecards, horizonDays int, from, to time.Time, split scoring.Split) (BacktestResult, error) {
	return BacktestWith(ctx, st, cards, app.FitParams{HorizonDays: horizonDays, From: from, To: to, Split: split})
}

// BacktestWith is Backtest with every parameter, MinChurned included: the
// fit (app.FitOnChurn) with what only the report shows, the shuffled
// control, the reasons owners gave and each CSM's pulse honesty.
func BacktestWith(ctx context.Context, st *store.Store, cards scoring.Scorecards, p app.FitParams) (BacktestResult, error) {
	fit, err := app.FitOnChurn(ctx, st, cards, p)
	if err != nil {
		return BacktestResult{}, err
	}
	res := BacktestResult{BacktestReport: fit.BacktestReport, HorizonDays: fit.HorizonDays, AsOfDates: fit.AsOfDates, Note: fit.Note, fit: fit}
	res.Shuffled = scoring.Evaluate(scoring.ShuffleLabels(fit.Examples, shuffleSeed))
	if res.Outcomes, err = backtestOutcomes(ctx, st); err != nil {
		return res, err
	}
	res.Pulse, err = backtestPulse(ctx, st, fit.Cards, fit.HorizonDays)
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
	fmt.Fprintf(w, "\n%s\n", controlLine(r.Shuffled))
	printFit(w, r.Fit)
	printOutcomes(w, r.Outcomes)
	printPulse(w, r.Pulse)
	if r.Summary != "" {
		fmt.Fprintf(w, "\n%s\n", r.Summary)
	}
	switch {
	case r.SuggestedFile != "":
		fmt.Fprintf(w, "\nFitted scorecards written to %s\n(try them: healthbot score --dry-run --scorecards %s).\n", r.SuggestedFile, r.SuggestedFile)
	case r.SuggestedYAML != "":
		fmt.Fprintf(w, "\nFitted scorecards not written; to save them: healthbot backtest … --write %s\n", DefaultSuggestedFile)
	default:
		fmt.Fprintln(w, "\nNo fitted scorecards: no weights could be fitted.")
	}
}

// controlLine is the shuffled-labels control in words. With fewer churned
// examples than MinChurnedToJudge its AUC means nothing (one churned
// example can only rank 0 or 1), so it says that instead of a number.
func controlLine(e scoring.Evaluation) string {
	if e.NChurned < scoring.MinChurnedToJudge || e.NChurned == e.N {
		return fmt.Sprintf("Control, labels shuffled at random: not computed — %d churned of %d scored examples is too few (it needs at least %d churned and some retained).",
			e.NChurned, e.N, scoring.MinChurnedToJudge)
	}
	return fmt.Sprintf("Control, labels shuffled at random: AUC %.2f (95%% CI %.2f–%.2f) — a score without signal looks like this.",
		e.AUC, e.AUCCI[0], e.AUCCI[1])
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

// printFit shows the three held-out AUCs side by side (current, fitted,
// raw-value reference), then per metric the fitted weight and direction
// (learned ones marked), then which feature won where a signal had several.
func printFit(w io.Writer, f scoring.FitReport) {
	if f.Err != "" {
		fmt.Fprintf(w, "\nFitted weights: none (%s).\n", f.Err)
		return
	}
	fmt.Fprintf(w, "\nFitted weights (L2 logistic regression on peer percentiles, sign free, λ %g by cross-validation; %s split: %s)\n", f.Lambda, f.Split, f.SplitNote)
	fmt.Fprintf(w, "  train %d examples (%d churned, %d churned accounts), test %d (%d churned)\n", f.TrainN, f.TrainChurned, f.TrainChurnedAccounts, f.TestN, f.TestChurned)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  HELD-OUT AUC\t\t95% CI\t")
	if f.TestScored > 0 {
		fmt.Fprintf(tw, "  current weights\t%.2f\t%.2f–%.2f\t%d of %d held-out examples had a score\n", f.AUCCurrent, f.AUCCurrentCI[0], f.AUCCurrentCI[1], f.TestScored, f.TestN)
	} else {
		fmt.Fprintf(tw, "  current weights\t–\t–\tno held-out example had a score\n")
	}
	fmt.Fprintf(tw, "  fitted score\t%.2f\t%.2f–%.2f\t%s\n", f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1], signalWords(f.Signal))
	fmt.Fprintf(tw, "  reference (LR on raw values)\t%.2f\t%.2f–%.2f\tthe same metrics unranked; what explainability costs\n", f.AUCReference, f.AUCReferenceCI[0], f.AUCReferenceCI[1])
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  METRIC\tFAMILY\tFEATURE\tDIRECTION\tCURRENT\tFITTED\tCOEF ± SE")
	for _, x := range f.Weights {
		coef := fmt.Sprintf("%+.2f ± %.2f", x.Coefficient, x.SE)
		if x.NotEstimable {
			coef = "not estimable"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%.3f\t%.3f\t%s\n", x.Metric, x.Family, featureWords(x), directionWords(x), x.Current, x.Suggested, coef)
	}
	_ = tw.Flush()
	// The feature choices are among the notes (scoring.choiceNotes), once.
	for _, n := range f.Notes {
		fmt.Fprintf(w, "  %s\n", n)
	}
}

func signalWords(s scoring.Signal) string {
	switch s {
	case scoring.SignalPredictive:
		return "predicts churn"
	case scoring.SignalInverse:
		return "points the wrong way"
	}
	return "no signal: the interval includes 0.5"
}

func featureWords(x scoring.FittedWeight) string {
	if x.WindowDays > 0 && x.Feature != scoring.FeatureLatest {
		return fmt.Sprintf("%s %dd", x.Feature, x.WindowDays)
	}
	return string(x.Feature)
}

// directionWords is the fitted direction, "(learned)" when the fit set it.
func directionWords(x scoring.FittedWeight) string {
	d := "lower is better"
	if x.HigherIsBetter {
		d = "higher is better"
	}
	switch {
	case x.DirectionFrom == scoring.DirectionUnknown:
		return "unknown"
	case x.Flipped:
		return d + " (learned, reversed)"
	case x.DirectionFrom == scoring.DirectionLearned:
		return d + " (learned)"
	}
	return d
}
