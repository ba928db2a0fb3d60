package scoring

import (
	"fmt"
	"maps"
	"math"
	"slices"
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

// Separation is the AUC of the metric read in its learned direction
// (worse values predicting churn): 0.5 is none, 1 perfect.
func (d LearnedDirection) Separation() float64 {
	if d.HigherIsBetter {
		return 1 - d.AUC
	}
	return d.AUC
}

// SeparationCI is the interval of Separation.
func (d LearnedDirection) SeparationCI() Interval {
	if d.HigherIsBetter {
		return Interval{1 - d.CI[1], 1 - d.CI[0]}
	}
	return d.CI
}

// Learned reports whether the evidence settled a direction.
func (d LearnedDirection) Learned() bool { return d.Reason == "" }

// Words says what was learned, with the AUC read in that direction:
// "lower is better (AUC 0.71, 95% CI 0.64–0.78, 31 churned)".
func (d LearnedDirection) Words() string {
	if !d.Learned() {
		return "unknown: " + d.Reason
	}
	dir := "lower is better"
	if d.HigherIsBetter {
		dir = "higher is better"
	}
	ci := d.SeparationCI()
	return fmt.Sprintf("%s (AUC %.2f, 95%% CI %.2f–%.2f, %d churned)", dir, d.Separation(), ci[0], ci[1], d.Churned)
}

// LearnDirections learns, for each metric, its direction from the churn
// labels of examples (Example.Features holds each metric's 0–100 score).
// It needs at least minChurned churned accounts among the examples holding
// the metric, and an AUC whose clustered interval excludes 0.5. The
// interval reported is the 95 % one; the decision widens it for the number
// of metrics tested at once (Bonferroni: 5 % over all of them), so that
// among twenty metrics unrelated to churn none gets a direction by chance,
// where a 95 % test per metric would give one. Otherwise the direction
// stays unknown, with the reason. The result is keyed by metric key.
func LearnDirections(examples []Example, metrics []Metric, minChurned int, now time.Time) map[string]LearnedDirection {
	if minChurned <= 0 {
		minChurned = DefaultMinChurned
	}
	out := make(map[string]LearnedDirection, len(metrics))
	ses := map[string]float64{}
	for _, m := range metrics {
		var pred []float64
		var churned []bool
		var cluster, day []int64
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
			day = append(day, x.AsOf.Unix())
			accounts[x.AccountID] = true
			if x.Churned {
				lost[x.AccountID] = true
			}
		}
		d := LearnedDirection{Churned: len(lost), Accounts: len(accounts), Examples: len(pred), LearnedAt: now, AUC: 0.5, CI: Interval{0, 1}}
		if len(lost) < minChurned {
			d.Reason = fmt.Sprintf("%d churned accounts have this metric; learning a direction needs %d", len(lost), minChurned)
		} else {
			var se float64
			d.AUC, se = stratifiedAUC(pred, churned, cluster, day)
			d.CI = aucInterval(d.AUC, se, z95)
			ses[m.Key] = se
		}
		out[m.Key] = d
	}
	z := z95
	if k := len(ses); k > 1 {
		z = learnZ(k) // the fit's Bonferroni bar, over the metrics tested here
	}
	for key, se := range ses {
		d := out[key]
		switch wide := aucInterval(d.AUC, se, z); {
		case wide[0] > 0.5:
			d.HigherIsBetter = false
		case wide[1] < 0.5:
			d.HigherIsBetter = true
		case len(ses) > 1 && !d.CI.Contains(0.5):
			d.Reason = fmt.Sprintf("no clear link with churn (AUC %.2f, 95%% CI %.2f–%.2f; with %d metrics tested, the %.1f%% interval %.2f–%.2f contains 0.5)",
				d.AUC, d.CI[0], d.CI[1], len(ses), 100*(1-0.05/float64(len(ses))), wide[0], wide[1])
		default:
			d.Reason = fmt.Sprintf("no clear link with churn (AUC %.2f, 95%% CI %.2f–%.2f contains 0.5)", d.AUC, d.CI[0], d.CI[1])
		}
		out[key] = d
	}
	return out
}

// z95 is the normal quantile of a two-sided 95 % interval.
const z95 = 1.959964

func aucInterval(auc, se, z float64) Interval {
	return Interval{math.Max(0, auc-z*se), math.Min(1, auc+z*se)}
}

// stratifiedAUC is ClusteredAUC with pairs only within a stratum (one
// as-of day): a metric's score is its rank among that day's peers, and the
// same value ranks a little differently among the peers of different days
// (75.8 of 60, 75.7 of 35), which must not decide a pair. The AUC pools the
// pairs of every stratum holding both classes; its standard error uses the
// within-stratum placements, clustered by account.
func stratifiedAUC(pred []float64, positive []bool, cluster, stratum []int64) (auc, se float64) {
	byStratum := map[int64][]int{}
	for i, s := range stratum {
		byStratum[s] = append(byStratum[s], i)
	}
	var place []float64
	var pos []bool
	var clu []int64
	var wins, pairs float64
	n1, n0 := 0, 0
	for _, s := range slices.Sorted(maps.Keys(byStratum)) {
		var p1, p0 []float64
		for _, i := range byStratum[s] {
			if positive[i] {
				p1 = append(p1, pred[i])
			} else {
				p0 = append(p0, pred[i])
			}
		}
		if len(p1) == 0 || len(p0) == 0 {
			continue
		}
		slices.Sort(p1)
		slices.Sort(p0)
		for _, i := range byStratum[s] {
			x := pred[i]
			if positive[i] {
				below, equal := countBelow(p0, x), countEqual(p0, x)
				place = append(place, (float64(below)+0.5*float64(equal))/float64(len(p0)))
				wins += float64(below) + 0.5*float64(equal)
			} else {
				eq := countEqual(p1, x)
				place = append(place, (float64(len(p1)-countBelow(p1, x)-eq)+0.5*float64(eq))/float64(len(p1)))
			}
			pos, clu = append(pos, positive[i]), append(clu, cluster[i])
		}
		n1, n0 = n1+len(p1), n0+len(p0)
		pairs += float64(len(p1)) * float64(len(p0))
	}
	if pairs == 0 {
		return 0.5, 0.5 / z95 // no pair: the interval is [0, 1]
	}
	auc = wins / pairs
	return auc, math.Sqrt(math.Max(0, clusteredVariance(place, pos, clu, auc, n1, n0)))
}
