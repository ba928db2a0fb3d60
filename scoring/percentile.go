package scoring

import (
	"slices"
	"sort"
)

// Ranked is a sorted sample that answers mid-rank percentiles in O(log n),
// so that ranking n accounts costs one sort plus n binary searches.
type Ranked struct {
	sorted []float64
}

// NewRanked sorts a copy of values (NaN must already be filtered out).
func NewRanked(values []float64) Ranked {
	s := slices.Clone(values)
	slices.Sort(s)
	return Ranked{sorted: s}
}

// Len is the sample size n.
func (r Ranked) Len() int { return len(r.sorted) }

// Percentile is 100 × (below + ½·equal) / n for v against the sample, with
// "below" meaning worse: for lower-is-better metrics the scale flips, so a
// high percentile is always good. An empty sample gives 50.
func (r Ranked) Percentile(v float64, higherIsBetter bool) float64 {
	n := len(r.sorted)
	if n == 0 {
		return 50
	}
	lo := lowerBound(r.sorted, v)
	hi := lo
	for hi < n && hi-lo < 8 && r.sorted[hi] == v {
		hi++
	}
	if hi-lo == 8 { // many ties: binary search the end too
		hi = lo + sort.Search(n-lo, func(i int) bool { return r.sorted[lo+i] > v })
	}
	below, equal := lo, hi-lo
	if !higherIsBetter {
		below = n - hi
	}
	return 100 * (float64(below) + 0.5*float64(equal)) / float64(n)
}

// Percentile ranks v among values with mid-ranks for ties, direction applied.
// For many lookups against one sample use NewRanked.
func Percentile(values []float64, v float64, higherIsBetter bool) float64 {
	return NewRanked(values).Percentile(v, higherIsBetter)
}

// lowerBound is the first index whose value is ≥ v (values hold no NaN, so
// a plain comparison beats the NaN-aware generic search in this hot loop).
func lowerBound(s []float64, v float64) int {
	lo, hi := 0, len(s)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
