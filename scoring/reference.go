package scoring

import "math"

// The reference model is what explainability is measured against: a
// logistic regression on the same candidate metrics' RAW feature values
// (Example.Raw), standardised, with no peer percentiles, no directions and
// no choice between features of one signal, fitted on the same training
// part with the penalty chosen the same way. The fitted score trades some
// of its AUC for being a relative 0–100 score with drivers in words; the
// backtest reports how much (auc_reference), and says so past 0.02.

// referenceModel is the fitted reference and how it fills gaps.
type referenceModel struct {
	metrics []Metric
	fill    []float64 // per metric: the training mean, for a missing raw value
	model   LogisticModel
}

// fitReference fits the reference on the training examples. A missing raw
// value is the training mean of its column (0 once standardised), the
// usual neutral imputation for a linear model.
func fitReference(train []Example, metrics []Metric, seed uint64) (referenceModel, error) {
	r := referenceModel{metrics: metrics, fill: make([]float64, len(metrics))}
	for j, m := range metrics {
		sum, n := 0.0, 0
		for _, x := range train {
			if v, ok := x.Raw[m.Key]; ok && finite(v) {
				sum, n = sum+v, n+1
			}
		}
		if n > 0 {
			r.fill[j] = sum / float64(n)
		}
	}
	var err error
	r.model, err = FitLogisticCV(r.columns(train), labels(train), accountIDs(train), seed)
	return r, err
}

func (r referenceModel) columns(ex []Example) [][]float64 {
	X := make([][]float64, len(ex))
	for i, x := range ex {
		row := make([]float64, len(r.metrics))
		for j, m := range r.metrics {
			v, ok := x.Raw[m.Key]
			if !ok || !finite(v) {
				v = r.fill[j]
			}
			row[j] = v
		}
		X[i] = row
	}
	return X
}

// risk is the reference's churn log-odds per example.
func (r referenceModel) risk(ex []Example) []float64 {
	out := make([]float64, len(ex))
	for i, row := range r.columns(ex) {
		out[i] = r.model.Logit(row)
	}
	return out
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
