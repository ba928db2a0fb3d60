package scoring

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// Example is one labelled backtest observation: an account scored at AsOf
// and whether it churned within the horizon after.
type Example struct {
	AccountID int64     `json:"account_id"`
	AsOf      time.Time `json:"as_of"`
	Scorecard string    `json:"scorecard"`
	Score     float64   `json:"score"`
	Band      Band      `json:"band"`
	Churned   bool      `json:"churned"`
	// Features are the metric scores (0–100) the account had, by metric key;
	// the regression reads them, imputing 50 for a metric that is missing.
	Features map[string]float64 `json:"features"`
	// Raw are the same metrics' feature values before normalisation
	// (Contribution.Value); the reference model reads them.
	Raw map[string]float64 `json:"raw,omitempty"`
}

// NewExample labels a score; metrics too stale to count are left out.
func NewExample(s Score, churned bool) Example {
	x := Example{AccountID: s.AccountID, AsOf: s.AsOf, Scorecard: s.Scorecard, Score: s.Value, Band: s.Band,
		Churned: churned, Features: make(map[string]float64, len(s.Drivers)), Raw: make(map[string]float64, len(s.Drivers))}
	for _, c := range s.Drivers {
		if !c.Stale {
			x.Features[c.Metric], x.Raw[c.Metric] = c.Score, c.Value
		}
	}
	return x
}

// ChurnedWithin reports whether a churned in (asOf, asOf+horizonDays].
func ChurnedWithin(a Account, asOf time.Time, horizonDays int) bool {
	return !a.ChurnedAt.IsZero() && a.ChurnedAt.After(asOf) && !a.ChurnedAt.After(asOf.AddDate(0, 0, horizonDays))
}

// MonthEnds lists the last day of every month whose end lies in [from, to].
func MonthEnds(from, to time.Time) []time.Time {
	var out []time.Time
	from, to = Day(from), Day(to)
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(to); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		if !end.Before(from) && !end.After(to) {
			out = append(out, end)
		}
	}
	return out
}

// ShuffleLabels returns a copy of ex with the churn labels permuted by a
// seeded generator: the control in which the score must show no signal.
func ShuffleLabels(ex []Example, seed uint64) []Example {
	out := slices.Clone(ex)
	labels := make([]bool, len(ex))
	for i, x := range ex {
		labels[i] = x.Churned
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	r.Shuffle(len(labels), func(i, j int) { labels[i], labels[j] = labels[j], labels[i] })
	for i := range out {
		out[i].Churned = labels[i]
	}
	return out
}

// BacktestOptions tune Backtest; the zero value is sensible.
type BacktestOptions struct {
	Scorecards   Scorecards // the scorecards that made the scores; zero: defaults
	Split        Split      // SplitAuto: by time when history allows, else by accounts
	HoldoutShare float64    // share of examples (time) or accounts held out; default 0.3
	Seed         uint64     // for the accounts split and the cross-validation folds
	// Lambda fixes the L2 penalty; 0 (the default) chooses it by
	// cross-validation grouped by account on the training part.
	Lambda float64
	// Metrics restricts the fit to these keys; default: every metric with
	// data except built-in/declared ones no scorecard weighs (fitCandidates).
	Metrics []string
	// MinChurned is how many churned accounts the training part needs before
	// directions and weights are learned from it (the pooled fit), and how
	// many churned and retained accounts a scorecard needs for a fit of its
	// own (else it shares the pooled one); default DefaultMinChurned.
	MinChurned int
	// MinFitChurned is the former name of MinChurned, read when it is 0.
	MinFitChurned int
}

// DefaultMinChurned is the churned accounts a fit needs by default, and
// the portfolio before directions are learned from its churn
// (HEALTHBOT_MIN_CHURNED): fewer learn directions from noise.
const DefaultMinChurned = 20

// BacktestReport is the whole backtest; it marshals to the JSON that
// `healthbot backtest --json` prints.
type BacktestReport struct {
	Evaluation                       // overall, the current scores: auc, auc_ci, n_accounts, n_churned …
	AUCFitted      float64           `json:"auc_fitted"` // held-out AUC of the fitted score
	AUCFittedCI    Interval          `json:"auc_fitted_ci"`
	AUCHeldOut     float64           `json:"auc_current_held_out"` // held-out AUC of the current weights, same split
	AUCReference   float64           `json:"auc_reference"`        // held-out AUC of LR on the raw values, same split
	AUCReferenceCI Interval          `json:"auc_reference_ci"`
	Fit            FitReport         `json:"fit"`
	Scorecards     []ScorecardReport `json:"scorecards"`
	Summary        string            `json:"summary"`              // the verdict and the fit comparison in words
	SuggestedYAML  string            `json:"suggested_scorecards"` // the fitted scorecards as a file; "" when none
	// Fitted is SuggestedYAML parsed (so it is exactly what the file would
	// score with); zero when nothing was fitted. Calibration stores and
	// compares this value; Scorecards.WithDiscovered still adds the
	// discovered metrics the fit did not pick, as context.
	Fitted Scorecards `json:"-"`
}

// ScorecardReport is the backtest of one scorecard's accounts.
type ScorecardReport struct {
	Name string `json:"name"`
	Evaluation
	Fit *FitReport `json:"fit,omitempty"` // its own fit, when it had enough churn
}

// Backtest evaluates the current scores against churn overall and per
// scorecard, then fits a score on the held-in examples — one coefficient
// per candidate metric score, sign free, so a metric whose better score
// went with more churn has its direction learned instead of being dropped —
// and compares the current score, the fitted one and the raw-value
// reference model on the same held-out examples. Scorecards whose
// training part has MinChurned churned accounts get their own fit; the
// rest share the pooled one. The fit reads every example with a candidate
// metric, scored or not (a discovered metric waiting for a direction
// leaves an account at "not enough data", yet its features are evidence).
func Backtest(ex []Example, opt BacktestOptions) BacktestReport {
	opt = opt.withDefaults()
	r := BacktestReport{Evaluation: Evaluate(ex)}
	ex = orient(ex, opt.Scorecards)
	var metrics []Metric
	if len(opt.Metrics) > 0 {
		metrics = metricsByKey(opt.Scorecards.Catalog(), opt.Metrics)
	} else {
		metrics = fitCandidates(ex, opt.Scorecards)
	}
	fitSet := slices.DeleteFunc(slices.Clone(ex), func(x Example) bool {
		return !slices.ContainsFunc(metrics, func(m Metric) bool { _, ok := x.Features[m.Key]; return ok })
	})
	split := splitExamples(fitSet, opt)
	catchAll := opt.Scorecards.For(Account{})
	r.Fit = fitAndCompare(fitSet, split, metrics, catchAll, opt)
	r.AUCFitted, r.AUCFittedCI, r.AUCHeldOut = r.Fit.AUCFitted, r.Fit.AUCFittedCI, r.Fit.AUCCurrent
	r.AUCReference, r.AUCReferenceCI = r.Fit.AUCReference, r.Fit.AUCReferenceCI
	fits := map[string]*FitReport{}
	for _, name := range scorecardNames(ex, opt.Scorecards) {
		sr := ScorecardReport{Name: name, Evaluation: Evaluate(filterCard(ex, name))}
		if card, ok := opt.Scorecards.Get(name); ok {
			if f, ok := ownFit(fitSet, split, name, metrics, card, r.Fit, opt); ok {
				sr.Fit, fits[name] = &f, &f
			}
		}
		r.Scorecards = append(r.Scorecards, sr)
	}
	r.Fitted, r.SuggestedYAML = fittedScorecards(opt.Scorecards, r.Fit, fits, split.note)
	r.Summary = summary(r)
	return r
}

func (o BacktestOptions) withDefaults() BacktestOptions {
	if o.Scorecards.IsZero() {
		o.Scorecards = DefaultScorecards()
	}
	if o.HoldoutShare <= 0 || o.HoldoutShare >= 1 {
		o.HoldoutShare = 0.3
	}
	if o.MinChurned <= 0 {
		o.MinChurned = o.MinFitChurned
	}
	if o.MinChurned <= 0 {
		o.MinChurned = DefaultMinChurned
	}
	return o
}

// orient rescores every example's metric scores in the catalog's
// direction: a scorecard with a learned direction override scored its
// accounts the other way round (100 − score, exactly, for mid-rank
// percentiles and for the mirrored absolute mapping), and a pooled fit
// must read one direction per metric.
func orient(ex []Example, scs Scorecards) []Example {
	flips := map[string]map[string]bool{}
	for _, c := range scs.cards {
		for _, p := range c.plan {
			if m, ok := scs.catalog.Metric(p.metric.Key); ok && scoredUpward(m) != scoredUpward(p.metric) {
				if flips[c.Name] == nil {
					flips[c.Name] = map[string]bool{}
				}
				flips[c.Name][p.metric.Key] = true
			}
		}
	}
	if len(flips) == 0 {
		return ex
	}
	out := slices.Clone(ex)
	for i, x := range out {
		f := flips[x.Scorecard]
		if f == nil {
			continue
		}
		feats := make(map[string]float64, len(x.Features))
		for k, v := range x.Features {
			if f[k] {
				v = 100 - v
			}
			feats[k] = v
		}
		out[i].Features = feats
	}
	return out
}

// scorecardNames lists the scorecards in file order, then any other name
// found in the examples.
func scorecardNames(ex []Example, scs Scorecards) []string {
	seen := map[string]bool{}
	for _, x := range ex {
		seen[x.Scorecard] = true
	}
	var out []string
	for _, c := range scs.cards {
		if seen[c.Name] {
			out = append(out, c.Name)
			delete(seen, c.Name)
		}
	}
	rest := make([]string, 0, len(seen))
	for n := range seen {
		rest = append(rest, n)
	}
	slices.Sort(rest)
	return append(out, rest...)
}

func filterCard(ex []Example, name string) []Example {
	var out []Example
	for _, x := range ex {
		if x.Scorecard == name {
			out = append(out, x)
		}
	}
	return out
}

// summary is the report's headline in words.
func summary(r BacktestReport) string {
	var b strings.Builder
	b.WriteString(r.Verdict)
	f := r.Fit
	if f.Err != "" {
		fmt.Fprintf(&b, " No weights were fitted: %s.", f.Err)
		return b.String()
	}
	fmt.Fprintf(&b, " On held-out data (%s) the fitted score reaches AUC %.2f (95%% CI %.2f–%.2f)",
		f.SplitNote, f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1])
	if f.TestScored > 0 {
		fmt.Fprintf(&b, " against %.2f for the current weights", f.AUCCurrent)
	}
	switch {
	case f.Signal != SignalPredictive:
		b.WriteString("; no signal: the fitted score's interval includes 0.5, so nothing here demonstrably predicts churn.")
	case f.TestScored == 0:
		b.WriteString("; the current weights scored none of the held-out examples.")
	case f.AUCCurrentCI.Contains(f.AUCFitted) || f.AUCFittedCI.Contains(f.AUCCurrent):
		b.WriteString("; the difference is within the noise.")
	case f.AUCFitted > f.AUCCurrent:
		b.WriteString("; the fitted weights rank churn better.")
	default:
		b.WriteString("; the current weights rank churn better.")
	}
	if f.AUCReferenceCI != (Interval{}) {
		fmt.Fprintf(&b, " A logistic regression on the raw values reaches %.2f (95%% CI %.2f–%.2f)", f.AUCReference, f.AUCReferenceCI[0], f.AUCReferenceCI[1])
		switch gap := f.AUCReference - f.AUCFitted; {
		case gap > MaxExplainabilityGap:
			fmt.Fprintf(&b, ": the explainable score trails it by %.2f, more than %.2f.", gap, MaxExplainabilityGap)
		case gap > 0:
			fmt.Fprintf(&b, ": explainability costs %.2f AUC here, within %.2f.", gap, MaxExplainabilityGap)
		default:
			b.WriteString(": the explainable score loses nothing to it here.")
		}
	}
	return b.String()
}

// MaxExplainabilityGap is how far the fitted score's held-out AUC may
// trail the raw-value reference before the summary says so.
const MaxExplainabilityGap = 0.02
