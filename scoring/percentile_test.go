package scoring

import (
	"math/rand/v2"
	"sort"
	"testing"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	sample := []float64{3, 1, 2, 2}
	tests := []struct {
		name   string
		values []float64
		v      float64
		higher bool
		want   float64
	}{
		{"ties take the mid-rank", sample, 2, true, 50},
		{"ties, lower is better", sample, 2, false, 50},
		{"best, higher is better", sample, 3, true, 87.5},
		{"same value, lower is better", sample, 3, false, 12.5},
		{"worst, higher is better", sample, 1, true, 12.5},
		{"lowest, lower is better", sample, 1, false, 87.5},
		{"value between sample points", sample, 2.5, true, 75},
		{"value between, lower is better", sample, 2.5, false, 25},
		{"all tied", []float64{5, 5, 5}, 5, true, 50},
		{"empty sample", nil, 5, true, 50},
		{"single value", []float64{7}, 7, false, 50},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Percentile(tc.values, tc.v, tc.higher); got != tc.want {
				t.Fatalf("Percentile(%v, %g, %v) = %g, want %g", tc.values, tc.v, tc.higher, got, tc.want)
			}
		})
	}
}

// The binary-search ranking must agree with counting one by one, also
// with long runs of ties.
func TestRankedMatchesCounting(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]float64, 500)
	for i := range vals {
		vals[i] = float64(r.IntN(20))
	}
	ranked := NewRanked(vals)
	for _, v := range []float64{-1, 0, 3, 7.5, 19, 25} {
		for _, higher := range []bool{true, false} {
			below, equal := 0, 0
			for _, x := range vals {
				switch {
				case x == v:
					equal++
				case (x < v) == higher:
					below++
				}
			}
			want := 100 * (float64(below) + 0.5*float64(equal)) / float64(len(vals))
			if got := ranked.Percentile(v, higher); got != want {
				t.Errorf("v=%g higher=%v: got %g, want %g", v, higher, got, want)
			}
		}
	}
	if !sort.Float64sAreSorted(ranked.sorted) || len(vals) != ranked.Len() {
		t.Fatal("NewRanked must keep a sorted copy")
	}
}
