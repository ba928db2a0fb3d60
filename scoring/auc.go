package scoring

import (
	"math"
	"slices"
	"sort"
)

// Interval is a confidence interval [low, high]; it encodes as a JSON pair.
type Interval [2]float64

// Contains reports whether x lies in the interval.
func (iv Interval) Contains(x float64) bool { return iv[0] <= x && x <= iv[1] }

// AUC is the area under the ROC curve of pred for the positive class (higher
// pred = more likely positive), i.e. the Mann–Whitney probability that a
// positive outranks a negative, ties counting ½, with DeLong's 95 %
// interval. Without both classes it is 0.5 with the interval [0, 1].
func AUC(pred []float64, positive []bool) (float64, Interval) {
	return ClusteredAUC(pred, positive, nil)
}

// ClusteredAUC is AUC with the interval widened for observations that come
// in clusters (Obuchowski 1997): the backtest sees each account at many
// month-ends, and those repeats are not independent evidence. cluster[i]
// names observation i's cluster (the account id); nil means every
// observation is its own cluster, which is DeLong's interval.
func ClusteredAUC(pred []float64, positive []bool, cluster []int64) (float64, Interval) {
	auc, se, ok := clusteredAUCSE(pred, positive, cluster)
	if !ok {
		return 0.5, Interval{0, 1}
	}
	return auc, Interval{math.Max(0, auc-1.959964*se), math.Min(1, auc+1.959964*se)}
}

// clusteredAUCSE is ClusteredAUC's estimate and standard error; ok is
// false without both classes.
func clusteredAUCSE(pred []float64, positive []bool, cluster []int64) (auc, se float64, ok bool) {
	var pos, neg []float64
	for i, p := range pred {
		if positive[i] {
			pos = append(pos, p)
		} else {
			neg = append(neg, p)
		}
	}
	n1, n0 := len(pos), len(neg)
	if n1 == 0 || n0 == 0 {
		return 0.5, 0, false
	}
	slices.Sort(pos)
	slices.Sort(neg)
	// DeLong placements: for a positive, the share of negatives it beats
	// (ties ½); for a negative, the share of positives that beat it.
	place := make([]float64, len(pred))
	wins := 0.0 // 2 × (pairs won + ½ tied): an exact integer
	for i, x := range pred {
		if positive[i] {
			below, equal := countBelow(neg, x), countEqual(neg, x)
			place[i] = (float64(below) + 0.5*float64(equal)) / float64(n0)
			wins += float64(2*below + equal)
		} else {
			above := n1 - countBelow(pos, x) - countEqual(pos, x)
			place[i] = (float64(above) + 0.5*float64(countEqual(pos, x))) / float64(n1)
		}
	}
	auc = wins / (2 * float64(n1) * float64(n0))
	var v float64
	if cluster == nil {
		v = delongVariance(place, positive, auc, n1, n0)
	} else {
		v = clusteredVariance(place, positive, cluster, auc, n1, n0)
	}
	return auc, math.Sqrt(math.Max(0, v)), true
}

func delongVariance(place []float64, positive []bool, auc float64, n1, n0 int) float64 {
	var s10, s01 float64
	for i, p := range place {
		if positive[i] {
			s10 += (p - auc) * (p - auc)
		} else {
			s01 += (p - auc) * (p - auc)
		}
	}
	v := 0.0
	if n1 > 1 {
		v += s10 / float64(n1-1) / float64(n1)
	}
	if n0 > 1 {
		v += s01 / float64(n0-1) / float64(n0)
	}
	return v
}

// clusteredVariance sums the placements' deviations per cluster first, so
// that correlated repeats count once.
func clusteredVariance(place []float64, positive []bool, cluster []int64, auc float64, n1, n0 int) float64 {
	type sums struct{ pos, neg float64 }
	by := map[int64]*sums{}
	for i, p := range place {
		s := by[cluster[i]]
		if s == nil {
			s = &sums{}
			by[cluster[i]] = s
		}
		if positive[i] {
			s.pos += p - auc
		} else {
			s.neg += p - auc
		}
	}
	k := float64(len(by))
	if k < 2 {
		return 0
	}
	var s10, s01, cov float64
	for _, s := range by {
		s10 += s.pos * s.pos
		s01 += s.neg * s.neg
		cov += s.pos * s.neg
	}
	f1, f0 := float64(n1), float64(n0)
	return k / (k - 1) * (s10/(f1*f1) + s01/(f0*f0) + 2*cov/(f1*f0))
}

func countBelow(sorted []float64, x float64) int {
	i, _ := slices.BinarySearch(sorted, x)
	return i
}

func countEqual(sorted []float64, x float64) int {
	i, found := slices.BinarySearch(sorted, x)
	if !found {
		return 0
	}
	return sort.Search(len(sorted)-i, func(k int) bool { return sorted[i+k] > x })
}
