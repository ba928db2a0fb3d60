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
}

// NewExample labels a score; metrics too stale to count are left out.
func NewExample(s Score, churned bool) Example {
	x := Example{AccountID: s.AccountID, AsOf: s.AsOf, Scorecard: s.Scorecard, Score: s.Value, Band: s.Band,
		Churned: churned, Features: make(map[string]float64, len(s.Drivers))}
	for _, c := range s.Drivers {
		if !c.Stale {
			x.Features[c.Metric] = c.Score
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
	Scorecards    Scorecards // the scorecards that made the scores; zero: defaults
	Split         Split      // SplitAuto: by time when history allows, else by accounts
	HoldoutShare  float64    // share of examples (time) or accounts held out; default 0.3
	Seed          uint64     // for the accounts split
	Lambda        float64    // L2 penalty of the regression; default 1
	Metrics       []string   // metrics to fit; default: those with a positive weight in some scorecard
	MinFitChurned int        // a scorecard gets its own fit with this many churned and retained training examples; default 20
}

// BacktestReport is the whole backtest; it marshals to the JSON that
// `healthbot backtest --json` prints.
type BacktestReport struct {
	Evaluation                      // overall: auc, auc_ci, n_accounts, n_churned …
	AUCFitted     float64           `json:"auc_fitted"` // held-out AUC of the fitted weights
	AUCFittedCI   Interval          `json:"auc_fitted_ci"`
	AUCHeldOut    float64           `json:"auc_current_held_out"` // held-out AUC of the current weights, same examples
	Fit           FitReport         `json:"fit"`
	Scorecards    []ScorecardReport `json:"scorecards"`
	Summary       string            `json:"summary"`              // the verdict and the fit comparison in words
	SuggestedYAML string            `json:"suggested_scorecards"` // fitted weights as a scorecard file; "" when none
}

// ScorecardReport is the backtest of one scorecard's accounts.
type ScorecardReport struct {
	Name string `json:"name"`
	Evaluation
	Fit *FitReport `json:"fit,omitempty"` // its own fit, when it had enough data
}

// Backtest evaluates the scores against churn overall and per scorecard,
// fits weights by regularised logistic regression on held-in examples and
// compares both weightings on the held-out ones.
func Backtest(ex []Example, opt BacktestOptions) BacktestReport {
	opt = opt.withDefaults()
	r := BacktestReport{Evaluation: Evaluate(ex)}
	scored := slices.DeleteFunc(slices.Clone(ex), func(x Example) bool { return x.Band == BandNone })
	split := splitExamples(scored, opt)
	metrics := opt.Metrics
	if len(metrics) == 0 {
		metrics = fitMetrics(opt.Scorecards)
	}
	catchAll := opt.Scorecards.For(Account{})
	r.Fit = fitAndCompare(scored, split, metrics, catchAll, opt)
	r.AUCFitted, r.AUCFittedCI, r.AUCHeldOut = r.Fit.AUCFitted, r.Fit.AUCFittedCI, r.Fit.AUCCurrent
	fits := map[string]*FitReport{}
	for _, name := range scorecardNames(ex, opt.Scorecards) {
		sr := ScorecardReport{Name: name, Evaluation: Evaluate(filterCard(ex, name))}
		if card, ok := opt.Scorecards.Get(name); ok {
			if f, ok := ownFit(scored, split, name, metrics, card, opt); ok {
				sr.Fit, fits[name] = &f, &f
			}
		}
		r.Scorecards = append(r.Scorecards, sr)
	}
	r.SuggestedYAML = suggestedYAML(opt.Scorecards, r.Fit, fits, split.note)
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
	if o.Lambda <= 0 {
		o.Lambda = 1
	}
	if o.MinFitChurned <= 0 {
		o.MinFitChurned = 20
	}
	return o
}

// fitMetrics are the catalog metrics with a positive weight in some scorecard.
func fitMetrics(scs Scorecards) []string {
	var out []string
	for _, m := range scs.Catalog().metrics {
		for _, c := range scs.cards {
			if c.Metrics[m.Key] > 0 && c.Families[m.Family] > 0 {
				out = append(out, m.Key)
				break
			}
		}
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
	fmt.Fprintf(&b, " On held-out data (%s) the current weights reach AUC %.2f and the fitted weights %.2f (95%% CI %.2f–%.2f)",
		f.SplitNote, f.AUCCurrent, f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1])
	switch {
	case f.AUCFittedCI[0] <= 0.5:
		b.WriteString("; the fitted weights show no demonstrable signal either.")
	case f.AUCCurrentCI.Contains(f.AUCFitted) || f.AUCFittedCI.Contains(f.AUCCurrent):
		b.WriteString("; the difference is within the noise.")
	case f.AUCFitted > f.AUCCurrent:
		b.WriteString("; the fitted weights rank churn better.")
	default:
		b.WriteString("; the current weights rank churn better.")
	}
	return b.String()
}
