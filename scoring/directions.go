package scoring

import (
	"fmt"
	"time"
)

// LearnedDirection is the evidence for (or against) a metric's direction
// from the portfolio's churn: the clustered AUC of the metric's rank from
// low to high as a predictor of churn. AUC above 0.5 means higher values
// went with churn, so lower is better.
type LearnedDirection struct {
	HigherIsBetter bool      `json:"higher_is_better"`
	AUC            float64   `json:"auc"`
	CI             Interval  `json:"auc_ci"`
	Churned        int       `json:"churned"`  // churned accounts among the examples with the metric
	Accounts       int       `json:"accounts"` // accounts among them
	Examples       int       `json:"examples"`
	Reason         string    `json:"reason,omitempty"` // why the direction stays unknown; "" when learned
	LearnedAt      time.Time `json:"learned_at"`
}

// Learned reports whether the evidence settled a direction.
func (d LearnedDirection) Learned() bool { return d.Reason == "" }

// Words says what was learned: "lower is better (AUC 0.71, 95% CI 0.64–0.78, 31 churned)".
func (d LearnedDirection) Words() string {
	if !d.Learned() {
		return "unknown: " + d.Reason
	}
	dir := "lower is better"
	if d.HigherIsBetter {
		dir = "higher is better"
	}
	return fmt.Sprintf("%s (AUC %.2f, 95%% CI %.2f–%.2f, %d churned)", dir, d.AUC, d.CI[0], d.CI[1], d.Churned)
}

// LearnDirections learns, for each metric, its direction from the churn
// labels of examples (Example.Features holds each metric's 0–100 score).
// It needs at least minChurned churned accounts among the examples holding
// the metric, and a clustered 95% interval of the AUC that excludes 0.5;
// otherwise the direction stays unknown, with the reason. The result is
// keyed by metric key.
func LearnDirections(examples []Example, metrics []Metric, minChurned int, now time.Time) map[string]LearnedDirection {
	if minChurned <= 0 {
		minChurned = DefaultMinChurned
	}
	out := make(map[string]LearnedDirection, len(metrics))
	for _, m := range metrics {
		var pred []float64
		var churned []bool
		var cluster []int64
		accounts, lost := map[int64]bool{}, map[int64]bool{}
		for _, x := range examples {
			v, ok := x.Features[m.Key]
			if !ok {
				continue
			}
			if m.DirectionKnown() && !m.HigherIsBetter {
				v = 100 - v // back to the rank from low to high
			}
			pred, churned, cluster = append(pred, v), append(churned, x.Churned), append(cluster, x.AccountID)
			accounts[x.AccountID] = true
			if x.Churned {
				lost[x.AccountID] = true
			}
		}
		d := LearnedDirection{Churned: len(lost), Accounts: len(accounts), Examples: len(pred), LearnedAt: now, AUC: 0.5, CI: Interval{0, 1}}
		switch {
		case len(lost) < minChurned:
			d.Reason = fmt.Sprintf("%d churned accounts have this metric; learning a direction needs %d", len(lost), minChurned)
		default:
			d.AUC, d.CI = ClusteredAUC(pred, churned, cluster)
			switch {
			case d.CI[0] > 0.5:
				d.HigherIsBetter = false
			case d.CI[1] < 0.5:
				d.HigherIsBetter = true
			default:
				d.Reason = fmt.Sprintf("no clear link with churn (AUC %.2f, 95%% CI %.2f–%.2f contains 0.5)", d.AUC, d.CI[0], d.CI[1])
			}
		}
		out[m.Key] = d
	}
	return out
}
