package scoring

import (
	"fmt"
	"math"
	"strings"
)

// FitReport compares the current weights with fitted ones on held-out data.
type FitReport struct {
	Split        Split          `json:"split"`
	SplitNote    string         `json:"split_note"`
	TrainN       int            `json:"train_n"`
	TrainChurned int            `json:"train_churned"`
	TestN        int            `json:"test_n"`
	TestChurned  int            `json:"test_churned"`
	AUCCurrent   float64        `json:"auc_current"` // held out, the scores as computed
	AUCCurrentCI Interval       `json:"auc_current_ci"`
	AUCFitted    float64        `json:"auc_fitted"` // held out, the fitted model
	AUCFittedCI  Interval       `json:"auc_fitted_ci"`
	Weights      []FittedWeight `json:"weights"`
	Notes        []string       `json:"notes,omitempty"`
	Err          string         `json:"error,omitempty"` // why nothing was fitted
}

// FittedWeight is one metric's fitted effect and its weights.
type FittedWeight struct {
	Metric string `json:"metric"`
	Family Family `json:"family"`
	// Coefficient is the change in churn log-odds per standard deviation of
	// the metric score: negative means a better metric score, less churn.
	Coefficient float64 `json:"coefficient"`
	Current     float64 `json:"current_weight"`   // effective weight in the score now
	Suggested   float64 `json:"suggested_weight"` // effective weight from the fit
	Note        string  `json:"note,omitempty"`
}

// EffectiveWeights is each metric's nominal share of the total score
// (family share × metric share), before any re-weighting for missing data.
func (c Scorecard) EffectiveWeights() map[string]float64 {
	out := map[string]float64{}
	var famTotal, famSum [4]float64
	for _, p := range c.plan {
		famSum[p.family] += p.weight
	}
	total := 0.0
	for i, f := range Families {
		if famSum[i] > 0 {
			famTotal[i] = c.Families[f]
			total += famTotal[i]
		}
	}
	for _, p := range c.plan {
		if total > 0 && famSum[p.family] > 0 {
			out[p.metric.Key] = famTotal[p.family] / total * p.weight / famSum[p.family]
		}
	}
	return out
}

// design is the regression input: metric scores, 50 where missing.
func design(ex []Example, metrics []string) [][]float64 {
	X := make([][]float64, len(ex))
	for i, x := range ex {
		row := make([]float64, len(metrics))
		for j, m := range metrics {
			v, ok := x.Features[m]
			if !ok {
				v = 50
			}
			row[j] = v
		}
		X[i] = row
	}
	return X
}

// fitAndCompare fits on the held-in examples and compares on the held-out.
func fitAndCompare(ex []Example, s split, metrics []string, card Scorecard, opt BacktestOptions) FitReport {
	f := FitReport{Split: s.kind, SplitNote: s.note}
	var train, test []Example
	for i, x := range ex {
		if s.train[i] {
			train = append(train, x)
		} else {
			test = append(test, x)
		}
	}
	f.TrainN, f.TrainChurned = len(train), countChurned(train)
	f.TestN, f.TestChurned = len(test), countChurned(test)
	switch {
	case len(metrics) == 0:
		f.Err = "no metric to fit"
		return f
	case f.TrainChurned == 0 || f.TrainChurned == f.TrainN:
		f.Err = "the training examples need both churned and retained accounts"
		return f
	case f.TestChurned == 0 || f.TestChurned == f.TestN:
		f.Err = "the held-out examples need both churned and retained accounts"
		return f
	}
	model, err := FitLogistic(design(train, metrics), labels(train), LogisticOptions{Lambda: opt.Lambda})
	if err != nil {
		f.Err = err.Error()
		return f
	}
	risk, current := make([]float64, len(test)), make([]float64, len(test))
	for i, row := range design(test, metrics) {
		risk[i], current[i] = model.Logit(row), -test[i].Score
	}
	f.AUCFitted, f.AUCFittedCI = ClusteredAUC(risk, labels(test), accountIDs(test))
	f.AUCCurrent, f.AUCCurrentCI = ClusteredAUC(current, labels(test), accountIDs(test))
	f.Weights, f.Notes = suggestWeights(model, metrics, card, opt.Scorecards.Catalog())
	return f
}

// ownFit fits one scorecard's examples when it has enough of both outcomes.
func ownFit(ex []Example, s split, name string, metrics []string, card Scorecard, opt BacktestOptions) (FitReport, bool) {
	var sub []Example
	var train []bool
	churned, retained := 0, 0
	for i, x := range ex {
		if x.Scorecard != name {
			continue
		}
		sub, train = append(sub, x), append(train, s.train[i])
		if s.train[i] && x.Churned {
			churned++
		} else if s.train[i] {
			retained++
		}
	}
	if churned < opt.MinFitChurned || retained < opt.MinFitChurned {
		return FitReport{}, false
	}
	f := fitAndCompare(sub, split{kind: s.kind, train: train, note: s.note}, metrics, card, opt)
	return f, f.Err == ""
}

func countChurned(ex []Example) int {
	n := 0
	for _, x := range ex {
		if x.Churned {
			n++
		}
	}
	return n
}

func accountIDs(ex []Example) []int64 {
	ids := make([]int64, len(ex))
	for i, x := range ex {
		ids[i] = x.AccountID
	}
	return ids
}

func labels(ex []Example) []bool {
	y := make([]bool, len(ex))
	for i, x := range ex {
		y[i] = x.Churned
	}
	return y
}

// suggestWeights turns coefficients into non-negative effective weights: a
// metric whose better score went with more churn gets 0, and a note.
func suggestWeights(m LogisticModel, metrics []string, card Scorecard, cat Catalog) ([]FittedWeight, []string) {
	raw := m.RawCoef()
	current := card.EffectiveWeights()
	out := make([]FittedWeight, len(metrics))
	var notes []string
	total := 0.0
	for j, key := range metrics {
		met, _ := cat.Metric(key)
		w := FittedWeight{Metric: key, Family: met.Family, Coefficient: m.Coef[j], Current: current[key]}
		switch {
		case m.Std[j] == 0:
			w.Note = "no data or no variation in the training data, so weight 0"
		case raw[j] >= 0:
			w.Note = fmt.Sprintf("%s: better scores went with more churn (%+.2f log-odds per SD), so weight 0", labelOr(met, key), m.Coef[j])
		default:
			w.Suggested = -raw[j]
			total += w.Suggested
		}
		if w.Note != "" {
			notes = append(notes, key+": "+w.Note)
		}
		out[j] = w
	}
	if total == 0 {
		return out, append(notes, "no metric went with less churn in the training data; no weights to suggest")
	}
	for j := range out {
		out[j].Suggested /= total
	}
	return out, notes
}

func labelOr(m Metric, key string) string {
	if m.Label != "" {
		return m.Label
	}
	return key
}

// suggestedYAML writes every scorecard with its fitted weights (its own fit
// or the overall one); "" when there is no usable fit at all.
func suggestedYAML(scs Scorecards, overall FitReport, own map[string]*FitReport, note string) string {
	var cards []Scorecard
	var lines []string
	used := false
	for _, c := range scs.All() {
		f, src := &overall, "the overall fit"
		if o := own[c.Name]; o != nil {
			f, src = o, "its own fit"
		}
		if nc, ok := applyWeights(c, f.Weights); ok && f.Err == "" {
			cards, used = append(cards, nc), true
			lines = append(lines, fmt.Sprintf("scorecard %q: weights from %s (held-out AUC %.2f vs %.2f now)", c.Name, src, f.AUCFitted, f.AUCCurrent))
		} else {
			cards = append(cards, c)
			lines = append(lines, fmt.Sprintf("scorecard %q: unchanged (no usable fit)", c.Name))
		}
	}
	if !used {
		return ""
	}
	header := "Weights fitted by healthbot backtest: L2-regularised logistic regression on\n" +
		"the metric scores, " + note + ".\nMetrics with the wrong sign get weight 0.\n" + strings.Join(lines, "\n")
	for _, n := range overall.Notes {
		header += "\n" + n
	}
	b, err := FormatScorecards(cards, header)
	if err != nil {
		return ""
	}
	return string(b)
}

// applyWeights sets family and metric weights so that each metric's
// effective weight equals its suggested weight; metrics not fitted get 0.
func applyWeights(c Scorecard, ws []FittedWeight) (Scorecard, bool) {
	fam := map[Family]float64{}
	met := map[string]float64{}
	for k := range c.Metrics {
		met[k] = 0
	}
	for f := range c.Families {
		fam[f] = 0
	}
	positive := false
	for _, w := range ws {
		if _, ok := c.Metrics[w.Metric]; !ok || w.Suggested <= 0 {
			continue
		}
		met[w.Metric] = round(100*w.Suggested, 2)
		fam[w.Family] += 100 * w.Suggested
		positive = positive || met[w.Metric] > 0
	}
	for f, v := range fam {
		fam[f] = round(v, 2)
	}
	c.Families, c.Metrics = fam, met
	return c, positive
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
