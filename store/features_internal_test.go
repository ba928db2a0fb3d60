package store

import (
	"math"
	"testing"
)

func TestRoundSig(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want float64 }{
		{0, 0},
		{0.6000000000000001, 0.6},
		{0.19999999999999998, 0.2},
		{123456789012345, 123456789012000},
		{-0.000123456789012345, -0.000123456789012},
		{42, 42},
		{1e-320, 1e-320}, // subnormal: left alone
	} {
		if got := roundSig(c.in, 12); got != c.want {
			t.Errorf("roundSig(%v, 12) = %v, want %v", c.in, got, c.want)
		}
	}
	if !math.IsNaN(roundSig(math.NaN(), 12)) || !math.IsInf(roundSig(math.Inf(-1), 12), -1) {
		t.Error("NaN and infinities pass through")
	}
}
