package scoring

import (
	"fmt"
	"math"
	"slices"
)

// Signal is the backtest's judgement of whether a score predicts churn.
type Signal string

const (
	SignalPredictive   Signal = "predictive"   // AUC interval above 0.5
	SignalNone         Signal = "none"         // interval contains 0.5
	SignalInverse      Signal = "inverse"      // interval below 0.5: healthier churned more
	SignalUndetermined Signal = "undetermined" // no churned or no retained examples
)

// MinChurnedToJudge is the churned count below which a verdict warns that
// the sample is small.
const MinChurnedToJudge = 10

// Evaluation measures how well scores ranked churn among labelled examples.
type Evaluation struct {
	N                int      `json:"n"` // examples with a score
	NAccounts        int      `json:"n_accounts"`
	NChurned         int      `json:"n_churned"` // examples labelled churned
	NChurnedAccounts int      `json:"n_churned_accounts"`
	NNotEnoughData   int      `json:"n_not_enough_data"` // examples left out: no score
	ChurnRate        float64  `json:"churn_rate"`
	AUC              float64  `json:"auc"`               // P(a churned example scored below a retained one)
	AUCCI            Interval `json:"auc_ci"`            // 95 %, clustered by account (repeats are not independent)
	LiftWorstDecile  float64  `json:"lift_worst_decile"` // churn rate of the worst 10 % ÷ overall
	NRed             int      `json:"n_red"`
	RedPrecision     float64  `json:"red_precision"` // share of red examples that churned
	RedRecall        float64  `json:"red_recall"`    // share of churned examples that were red
	Signal           Signal   `json:"signal"`
	Verdict          string   `json:"verdict"`
}

// Evaluate computes AUC (low score = risk), lift and red-band precision and
// recall over the examples that have a score.
func Evaluate(ex []Example) Evaluation {
	var e Evaluation
	scored := make([]Example, 0, len(ex))
	accts, churnedAccts := map[int64]bool{}, map[int64]bool{}
	for _, x := range ex {
		if x.Band == BandNone {
			e.NNotEnoughData++
			continue
		}
		scored = append(scored, x)
		accts[x.AccountID] = true
		if x.Churned {
			churnedAccts[x.AccountID] = true
		}
	}
	e.N, e.NAccounts, e.NChurnedAccounts = len(scored), len(accts), len(churnedAccts)
	risk, churned, cluster := make([]float64, len(scored)), make([]bool, len(scored)), make([]int64, len(scored))
	redChurned := 0
	for i, x := range scored {
		risk[i], churned[i], cluster[i] = -x.Score, x.Churned, x.AccountID
		if x.Churned {
			e.NChurned++
		}
		if x.Band == BandRed {
			e.NRed++
			if x.Churned {
				redChurned++
			}
		}
	}
	if e.N > 0 {
		e.ChurnRate = float64(e.NChurned) / float64(e.N)
	}
	e.AUC, e.AUCCI = ClusteredAUC(risk, churned, cluster)
	e.LiftWorstDecile = worstDecileLift(scored)
	e.RedPrecision = ratio(redChurned, e.NRed)
	e.RedRecall = ratio(redChurned, e.NChurned)
	e.Signal, e.Verdict = verdict(e)
	return e
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// worstDecileLift is the churn rate among the lowest-scored 10 % (ties at
// the cut shared pro rata, as a random tie-break would on average) divided
// by the overall churn rate.
func worstDecileLift(scored []Example) float64 {
	n := len(scored)
	churned := 0
	for _, x := range scored {
		if x.Churned {
			churned++
		}
	}
	if n == 0 || churned == 0 {
		return 0
	}
	k := int(math.Ceil(float64(n) / 10))
	byScore := slices.Clone(scored)
	slices.SortFunc(byScore, func(a, b Example) int { return compareFloat(a.Score, b.Score) })
	cut := byScore[k-1].Score
	below, belowChurned, tied, tiedChurned := 0, 0, 0, 0
	for _, x := range byScore {
		switch {
		case x.Score < cut:
			below++
			if x.Churned {
				belowChurned++
			}
		case x.Score == cut:
			tied++
			if x.Churned {
				tiedChurned++
			}
		}
	}
	inWorst := float64(belowChurned) + float64(k-below)*float64(tiedChurned)/float64(tied)
	return (inWorst / float64(k)) / (float64(churned) / float64(n))
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// verdict says plainly whether the score demonstrably predicts churn.
func verdict(e Evaluation) (Signal, string) {
	if e.NChurned == 0 || e.NChurned == e.N {
		return SignalUndetermined, fmt.Sprintf("Cannot judge: %d of %d scored examples churned; the backtest needs both churned and retained accounts.", e.NChurned, e.N)
	}
	auc := fmt.Sprintf("AUC %.2f, 95%% CI %.2f–%.2f", e.AUC, e.AUCCI[0], e.AUCCI[1])
	var s Signal
	var text string
	switch {
	case e.AUCCI[0] > 0.5:
		s = SignalPredictive
		text = fmt.Sprintf("The score predicts churn (%s): the worst-scored 10%% churned %.1f× as often as average.", auc, e.LiftWorstDecile)
	case e.AUCCI[1] < 0.5:
		s = SignalInverse
		text = fmt.Sprintf("The score points the wrong way (%s): healthier scores churned more often. Check metric directions and weights.", auc)
	default:
		s = SignalNone
		text = fmt.Sprintf("The score does not demonstrably predict churn (%s includes 0.5, a coin toss).", auc)
	}
	if e.NChurned < MinChurnedToJudge {
		text += fmt.Sprintf(" Only %d churned examples: too few to be sure.", e.NChurned)
	}
	return s, text
}
