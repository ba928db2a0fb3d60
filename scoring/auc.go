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
		return 0.5, Interval{0, 1}
	}
	slices.Sort(pos)
	slices.Sort(neg)
	// DeLong placements: for each positive, the share of negatives it beats
	// (ties ½); for each negative, the share of positives that beat it.
	v10 := make([]float64, n1)
	for i, x := range pos {
		v10[i] = (float64(countBelow(neg, x)) + 0.5*float64(countEqual(neg, x))) / float64(n0)
	}
	v01 := make([]float64, n0)
	for j, x := range neg {
		v01[j] = (float64(n1-countBelow(pos, x)-countEqual(pos, x)) + 0.5*float64(countEqual(pos, x))) / float64(n1)
	}
	auc := mean(v10)
	se := math.Sqrt(variance(v10)/float64(n1) + variance(v01)/float64(n0))
	lo, hi := math.Max(0, auc-1.959964*se), math.Min(1, auc+1.959964*se)
	return auc, Interval{lo, hi}
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

func mean(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

// variance is the sample variance (n−1); 0 for fewer than two values.
func variance(v []float64) float64 {
	if len(v) < 2 {
		return 0
	}
	m := mean(v)
	s := 0.0
	for _, x := range v {
		s += (x - m) * (x - m)
	}
	return s / float64(len(v)-1)
}
