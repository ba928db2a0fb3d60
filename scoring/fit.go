package scoring

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// FitReport compares, on the same held-out examples, the current score,
// the fitted score (one coefficient per candidate metric score, sign free)
// and the reference model on the raw values (reference.go).
type FitReport struct {
	Split        Split  `json:"split"`
	SplitNote    string `json:"split_note"`
	TrainN       int    `json:"train_n"`
	TrainChurned int    `json:"train_churned"`
	// TrainChurnedAccounts is what MinChurned is compared with: examples of
	// one account at several month-ends are one piece of evidence.
	TrainChurnedAccounts int             `json:"train_churned_accounts"`
	TestN                int             `json:"test_n"`
	TestChurned          int             `json:"test_churned"`
	TestScored           int             `json:"test_scored"` // held-out examples with a current score (BandNone has none)
	Lambda               float64         `json:"lambda"`      // L2 penalty, chosen by cross-validation on the training part
	AUCCurrent           float64         `json:"auc_current"` // held out, the scores as computed (over TestScored)
	AUCCurrentCI         Interval        `json:"auc_current_ci"`
	AUCFitted            float64         `json:"auc_fitted"` // held out, the fitted model on metric scores
	AUCFittedCI          Interval        `json:"auc_fitted_ci"`
	AUCReference         float64         `json:"auc_reference"` // held out, LR on standardised raw values
	AUCReferenceCI       Interval        `json:"auc_reference_ci"`
	ReferenceLambda      float64         `json:"reference_lambda"`
	Signal               Signal          `json:"signal"` // of the fitted score: none when its CI contains 0.5
	Weights              []FittedWeight  `json:"weights"`
	Choices              []FeatureChoice `json:"feature_choices,omitempty"`
	Notes                []string        `json:"notes,omitempty"`
	Err                  string          `json:"error,omitempty"` // why nothing was fitted
}

// FittedWeight is one metric's fitted effect, its weight and the direction
// the fitted scorecard scores it with.
type FittedWeight struct {
	Metric     string  `json:"metric"`
	Family     Family  `json:"family"`
	Signal     string  `json:"signal"` // the signal it reads
	Feature    Feature `json:"feature"`
	WindowDays int     `json:"window_days,omitempty"`
	// Coefficient is the change in churn log-odds per standard deviation of
	// the metric score (scored in the catalog's direction): negative means
	// a better metric score, less churn; positive flips the direction.
	Coefficient float64 `json:"coefficient"`
	// SE is the coefficient's standard error, clustered by account. A
	// direction is learned (or a declared one reversed) only when the
	// coefficient is learnZ SE from 0: noise must not set directions.
	// Unset when NotEstimable.
	SE float64 `json:"se,omitempty"`
	// NotEstimable: the data cannot estimate this coefficient (the metric
	// is constant, or a copy of others in the fit, or the fit is singular),
	// so it has no standard error and proves nothing.
	NotEstimable bool    `json:"not_estimable,omitempty"`
	Current      float64 `json:"current_weight"`   // effective weight in the score now
	Suggested    float64 `json:"suggested_weight"` // effective weight from the fit (|coefficient|, normalised)
	// HigherIsBetter is the fitted direction; DirectionFrom is learned when
	// the fit set it (an unknown direction) or flipped the declared one.
	HigherIsBetter bool            `json:"higher_is_better"`
	DirectionFrom  DirectionSource `json:"direction_from"`
	Flipped        bool            `json:"flipped,omitempty"` // the fit reversed a declared direction
	Note           string          `json:"note,omitempty"`
}

// FeatureChoice records which of several features of one signal the fit kept.
type FeatureChoice struct {
	Signal  string   `json:"signal"`
	Chosen  string   `json:"chosen"`  // metric key kept
	Dropped []string `json:"dropped"` // alternatives left out
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

// fitCandidates are the metrics the fit may weigh: every catalog metric
// with data in the examples, except a built-in or declared metric that no
// scorecard weighs (days_to_renewal is context on purpose). Discovered
// metrics are candidates whatever their weight: their direction and weight
// are what the fit is for.
func fitCandidates(ex []Example, scs Scorecards) []Metric {
	has := map[string]bool{}
	for _, x := range ex {
		for k := range x.Features {
			has[k] = true
		}
	}
	var out []Metric
	for _, m := range scs.catalog.metrics {
		if !has[m.Key] {
			continue
		}
		weighted := m.Origin == OriginDiscovered
		for _, c := range scs.cards {
			weighted = weighted || (c.Metrics[m.Key] > 0 && c.Families[m.Family] > 0)
		}
		if weighted {
			out = append(out, m)
		}
	}
	return out
}

// metricsByKey returns the catalog metrics with these keys, in the catalog's order.
func metricsByKey(cat Catalog, keys []string) []Metric {
	var out []Metric
	for _, m := range cat.metrics {
		if slices.Contains(keys, m.Key) {
			out = append(out, m)
		}
	}
	return out
}

// scoreColumns is the regression input of the fitted score: metric scores,
// 50 (the peer median) where missing, which is how a missing metric moves
// a weighted mean of scores least.
func scoreColumns(ex []Example, metrics []Metric) [][]float64 {
	X := make([][]float64, len(ex))
	for i, x := range ex {
		row := make([]float64, len(metrics))
		for j, m := range metrics {
			v, ok := x.Features[m.Key]
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
func fitAndCompare(ex []Example, s split, metrics []Metric, card Scorecard, opt BacktestOptions) FitReport {
	f := FitReport{Split: s.kind, SplitNote: s.note}
	var train, test []Example
	for i, x := range ex {
		if s.train[i] {
			train = append(train, x)
		} else {
			test = append(test, x)
		}
	}
	f.TrainN, f.TrainChurned, f.TrainChurnedAccounts = len(train), countChurned(train), churnedAccounts(train)
	f.TestN, f.TestChurned = len(test), countChurned(test)
	switch {
	case len(metrics) == 0:
		f.Err = "no metric to fit (no candidate metric has data)"
		return f
	case f.TrainChurned == 0 || f.TrainChurned == f.TrainN:
		f.Err = "the training examples need both churned and retained accounts"
		return f
	case f.TestChurned == 0 || f.TestChurned == f.TestN:
		f.Err = "the held-out examples need both churned and retained accounts"
		return f
	case f.TrainChurnedAccounts < opt.MinChurned:
		f.Err = fmt.Sprintf("only %d churned accounts in the training part; learning directions and weights needs at least %d", f.TrainChurnedAccounts, opt.MinChurned)
		return f
	}
	model, err := fitScores(train, metrics, opt)
	if err != nil {
		f.Err = err.Error()
		return f
	}
	kept, choices := chooseFeatures(metrics, model)
	if len(kept) < len(metrics) {
		if model, err = fitScores(train, kept, opt); err != nil {
			f.Err = err.Error()
			return f
		}
	}
	f.Lambda, f.Choices = model.Lambda, choices
	se := model.ClusterSE(scoreColumns(train, kept), labels(train), accountIDs(train))
	f.Weights, f.Notes = suggestWeights(model, se, univariate(train, kept), kept, card, choiceNotes(choices))
	// The held-out AUC is that of the score as it will be written: the
	// metrics the fit leaves at weight 0 do not rank anything.
	written := model
	written.Coef = slices.Clone(model.Coef)
	for j, w := range f.Weights {
		if w.Suggested == 0 {
			written.Coef[j] = 0
		}
	}
	risk := make([]float64, len(test))
	for i, row := range scoreColumns(test, kept) {
		risk[i] = written.Logit(row)
	}
	f.AUCFitted, f.AUCFittedCI = ClusteredAUC(risk, labels(test), accountIDs(test))
	f.Signal = fitSignal(f.AUCFittedCI)
	var cur []float64
	var curY []bool
	var curIDs []int64
	for _, x := range test {
		if x.Band != BandNone {
			cur, curY, curIDs = append(cur, -x.Score), append(curY, x.Churned), append(curIDs, x.AccountID)
		}
	}
	f.TestScored = len(cur)
	f.AUCCurrent, f.AUCCurrentCI = ClusteredAUC(cur, curY, curIDs)
	if ref, err := fitReference(train, metrics, opt.Seed); err == nil {
		f.ReferenceLambda = ref.model.Lambda
		f.AUCReference, f.AUCReferenceCI = ClusteredAUC(ref.risk(test), labels(test), accountIDs(test))
	} else {
		f.Notes = append(f.Notes, "reference model: "+err.Error())
	}
	return f
}

// fitScores fits the churn log-odds on metric scores with the penalty
// chosen by account-grouped cross-validation (or opt.Lambda when set).
func fitScores(train []Example, metrics []Metric, opt BacktestOptions) (LogisticModel, error) {
	X := scoreColumns(train, metrics)
	if opt.Lambda > 0 {
		return FitLogistic(X, labels(train), LogisticOptions{Lambda: opt.Lambda})
	}
	return FitLogisticCV(X, labels(train), accountIDs(train), opt.Seed)
}

// chooseFeatures keeps, among discovered metrics that read the same signal
// (its 28-day mean beside its change, say), the one with the largest
// effect per standard deviation: correlated alternatives would otherwise
// split one effect between them, and a scorecard that counts one signal
// twice is harder to explain. Built-in and declared metrics are all kept.
func chooseFeatures(metrics []Metric, m LogisticModel) ([]Metric, []FeatureChoice) {
	bySignal := map[string][]int{}
	for j, x := range metrics {
		if x.Origin == OriginDiscovered {
			bySignal[x.SignalKey()] = append(bySignal[x.SignalKey()], j)
		}
	}
	drop := map[int]bool{}
	var choices []FeatureChoice
	for _, sig := range sortedKeys(bySignal) {
		js := bySignal[sig]
		if len(js) < 2 {
			continue
		}
		best := slices.MaxFunc(js, func(a, b int) int { return cmp.Compare(math.Abs(m.Coef[a]), math.Abs(m.Coef[b])) })
		c := FeatureChoice{Signal: sig, Chosen: metrics[best].Key}
		for _, j := range js {
			if j != best {
				drop[j] = true
				c.Dropped = append(c.Dropped, metrics[j].Key)
			}
		}
		choices = append(choices, c)
	}
	var kept []Metric
	for j, x := range metrics {
		if !drop[j] {
			kept = append(kept, x)
		}
	}
	return kept, choices
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func choiceNotes(cs []FeatureChoice) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s: of its features %s kept %s (the strongest in the fit)", c.Signal, joinKeys(append([]string{c.Chosen}, c.Dropped...)), c.Chosen))
	}
	return out
}

func joinKeys(keys []string) string {
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += ", "
		}
		s += k
	}
	return s
}

// fitSignal judges the fitted score's held-out interval like the verdict
// judges the current one.
func fitSignal(ci Interval) Signal {
	switch {
	case ci[0] > 0.5:
		return SignalPredictive
	case ci[1] < 0.5:
		return SignalInverse
	}
	return SignalNone
}

// ownFit fits one scorecard's examples when its training part has at
// least MinChurned churned and as many retained accounts.
func ownFit(ex []Example, s split, name string, metrics []Metric, card Scorecard, pooled FitReport, opt BacktestOptions) (FitReport, bool) {
	var sub, train []Example
	var inTrain []bool
	for i, x := range ex {
		if x.Scorecard != name {
			continue
		}
		sub, inTrain = append(sub, x), append(inTrain, s.train[i])
		if s.train[i] {
			train = append(train, x)
		}
	}
	if churnedAccounts(train) < opt.MinChurned || retainedAccounts(train) < opt.MinChurned {
		return FitReport{}, false
	}
	if len(sub) == len(ex) && pooled.Err == "" { // every example is this scorecard's: the pooled fit is its own
		return pooled, true
	}
	f := fitAndCompare(sub, split{kind: s.kind, train: inTrain, note: s.note}, metrics, card, opt)
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

func churnedAccounts(ex []Example) int {
	ids := map[int64]bool{}
	for _, x := range ex {
		if x.Churned {
			ids[x.AccountID] = true
		}
	}
	return len(ids)
}

// retainedAccounts counts accounts with at least one retained example.
func retainedAccounts(ex []Example) int {
	ids := map[int64]bool{}
	for _, x := range ex {
		if !x.Churned {
			ids[x.AccountID] = true
		}
	}
	return len(ids)
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

// scoredUpward says which way a metric's score in the examples runs: its
// direction when known, and low → high (context) when unknown, as Compute
// ranks it. The fit reads coefficients against this orientation.
func scoredUpward(m Metric) bool { return m.HigherIsBetter || !m.DirectionKnown() }

// univariateEvidence is one metric's own association with churn on the
// training part: the clustered AUC of its score (as ranked in the
// examples) as a churn predictor, over the examples that have it, as a z
// statistic against 0.5 (positive: higher score, more churn).
type univariateEvidence struct {
	AUC, Z float64
}

func univariate(train []Example, metrics []Metric) []univariateEvidence {
	out := make([]univariateEvidence, len(metrics))
	for j, m := range metrics {
		var pred []float64
		var y []bool
		var ids []int64
		for _, x := range train {
			if v, ok := x.Features[m.Key]; ok {
				pred, y, ids = append(pred, v), append(y, x.Churned), append(ids, x.AccountID)
			}
		}
		if auc, se, ok := clusteredAUCSE(pred, y, ids); ok && se > 0 {
			out[j] = univariateEvidence{AUC: auc, Z: (auc - 0.5) / se}
		}
	}
	return out
}

// uniAUCUpward is the univariate AUC of the metric's values from low to
// high (the examples hold its score, which runs downward for lower-is-better).
func uniAUCUpward(auc float64, upward bool) float64 {
	if upward {
		return auc
	}
	return 1 - auc
}

// learnZ is how many standard errors from 0 a coefficient (or an AUC from
// 0.5, in LearnDirections) must lie for its direction to count as
// demonstrated: Bonferroni over the k candidates, so
// that on pure noise the chance of learning any direction at all is 5 %
// (2.24 SE for 2 candidates, 2.73 for 8, 3.23 for 40), not 5 % per metric.
func learnZ(k int) float64 {
	return math.Sqrt2 * math.Erfinv(1-0.05/float64(max(1, k)))
}

// suggestWeights turns coefficients into effective weights |coefficient|
// (normalised to sum to 1) and directions. A metric whose better score
// demonstrably went with more churn (|coef| ≥ learnZ SE) is scored the other
// way round (DirectionLearned), and a discovered metric with a demonstrable
// effect gets the direction its sign says. Without such evidence a metric
// keeps its direction: declared by a person and agreeing, it keeps its
// weight; disagreeing, or of unknown or earlier-learned direction, it gets
// weight 0 — unless its own association with churn passes the same bar.
func suggestWeights(m LogisticModel, se []float64, uni []univariateEvidence, metrics []Metric, card Scorecard, notes []string) ([]FittedWeight, []string) {
	raw := m.RawCoef()
	current := card.EffectiveWeights()
	out := make([]FittedWeight, len(metrics))
	total := 0.0
	zLearn := learnZ(len(metrics))
	for j, met := range metrics {
		w := FittedWeight{Metric: met.Key, Family: met.Family, Signal: met.SignalKey(), Feature: met.Feature, WindowDays: met.WindowDays,
			Coefficient: m.Coef[j], Current: current[met.Key], HigherIsBetter: met.HigherIsBetter, DirectionFrom: DirectionDeclared}
		if math.IsNaN(se[j]) {
			w.NotEstimable = true
		} else {
			w.SE = se[j]
		}
		if !met.DirectionKnown() {
			w.DirectionFrom = DirectionUnknown
		} else if met.DirectionFrom != "" {
			w.DirectionFrom = met.DirectionFrom
		}
		// A coefficient without a standard error demonstrates nothing.
		demonstrable := !w.NotEstimable && m.Coef[j] != 0 && math.Abs(m.Coef[j]) >= zLearn*se[j]
		upward := scoredUpward(met)
		w.HigherIsBetter = upward
		reversed := raw[j] > 0 // a higher score went with more churn
		higherMoreChurn := reversed == upward
		// Correlated metrics (seats and spend) share one effect between them,
		// so neither may be demonstrable beside the other: a metric whose own
		// association with churn is demonstrable (same bar) and points the
		// same way as its joint coefficient keeps its weight.
		alone := uni[j].Z != 0 && math.Abs(uni[j].Z) >= zLearn && (uni[j].Z > 0) == (m.Coef[j] > 0)
		// Only a person's direction is kept without evidence; one learned
		// before (by discovery's per-metric test, or an earlier fit) must be
		// demonstrated again here.
		declared := met.DirectionKnown() && met.DirectionFrom != DirectionLearned
		switch {
		case m.Std[j] == 0:
			w.Note = "no variation in the training data, so weight 0"
		case m.Aliased[j]:
			w.Note = fmt.Sprintf("%s: moves in step with other metrics of the fit, so its own effect is not estimable; weight 0 (they carry it)", labelOr(met, met.Key))
		case w.NotEstimable:
			w.Note = fmt.Sprintf("%s: the fit cannot estimate its effect (its information matrix is singular), so weight 0", labelOr(met, met.Key))
		case !demonstrable && alone && !declared:
			w.Suggested = math.Abs(raw[j])
			total += w.Suggested
			if reversed {
				w.HigherIsBetter = !upward
			}
			w.DirectionFrom = DirectionLearned
			w.Note = fmt.Sprintf("%s: learned from its own association with churn (AUC %.2f of its rank from low to high): %s; beside correlated metrics its share is %+.2f ± %.2f log-odds per SD",
				labelOr(met, met.Key), uniAUCUpward(uni[j].AUC, upward), directionWords(higherMoreChurn, m.Coef[j]), m.Coef[j], 1.96*se[j])
		case !demonstrable && !declared:
			stays := "the direction stays unknown"
			if met.DirectionKnown() {
				stays = "its learned direction is not confirmed"
			}
			w.Note = fmt.Sprintf("%s: no demonstrable effect on churn (%+.2f ± %.2f log-odds per SD), so weight 0 and %s",
				labelOr(met, met.Key), m.Coef[j], 1.96*se[j], stays)
		case !demonstrable && reversed:
			w.Note = fmt.Sprintf("%s: better scores went with slightly more churn, but not demonstrably (%+.2f ± %.2f log-odds per SD), so weight 0 and the declared direction stays",
				labelOr(met, met.Key), m.Coef[j], 1.96*se[j])
		default:
			w.Suggested = math.Abs(raw[j])
			total += w.Suggested
			if reversed {
				w.HigherIsBetter = !upward
			}
			switch {
			case !declared:
				w.DirectionFrom = DirectionLearned
				w.Note = fmt.Sprintf("%s: learned: %s", labelOr(met, met.Key), directionWords(higherMoreChurn, m.Coef[j]))
			case reversed:
				w.DirectionFrom, w.Flipped = DirectionLearned, true
				w.Note = fmt.Sprintf("%s: declared %s, but %s; the fitted scorecard scores it the other way round",
					labelOr(met, met.Key), directionName(met.HigherIsBetter), directionWords(higherMoreChurn, m.Coef[j]))
			}
		}
		if w.Note != "" {
			notes = append(notes, met.Key+": "+w.Note)
		}
		out[j] = w
	}
	if total == 0 {
		return out, append(notes, "no metric went demonstrably with churn in the training data; no weights to suggest")
	}
	for j := range out {
		out[j].Suggested /= total
	}
	return out, notes
}

// directionWords says which way a metric went with churn, with the effect.
func directionWords(higherMoreChurn bool, coefPerSD float64) string {
	if higherMoreChurn {
		return fmt.Sprintf("higher values went with more churn (%.2f log-odds per SD), so lower is better", math.Abs(coefPerSD))
	}
	return fmt.Sprintf("higher values went with less churn (%.2f log-odds per SD), so higher is better", math.Abs(coefPerSD))
}

func directionName(higherIsBetter bool) string {
	if higherIsBetter {
		return "higher is better"
	}
	return "lower is better"
}

func labelOr(m Metric, key string) string {
	if m.Label != "" {
		return m.Label
	}
	return key
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}
