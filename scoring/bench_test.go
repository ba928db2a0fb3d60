package scoring

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchInput is 10,000 accounts over 5 segments with the 16 built-in
// metrics (about 5 % missing), on the default scorecards.
func benchInput(n int) Input {
	r := rand.New(rand.NewPCG(10, 10))
	scs := DefaultScorecards()
	in := Input{AsOf: asOf, Features: make(FeatureSet, n), Scorecards: scs}
	metrics := scs.Catalog().Metrics()
	for i := range n {
		a := account(int64(i+1), "segment-"+strconv.Itoa(i%5))
		a.Seats = 5 + r.IntN(200)
		in.Accounts = append(in.Accounts, a)
		row := make(map[string]FeatureValue, len(metrics))
		for _, m := range metrics {
			if r.Float64() < 0.05 {
				continue
			}
			v := r.Float64()
			if m.Key == "pulse" {
				v = float64(r.IntN(3))
			}
			row[m.Key] = FeatureValue{Value: v, AgeDays: float64(r.IntN(30))}
		}
		in.Features[a.ID] = row
	}
	return in
}

func BenchmarkCompute10k(b *testing.B) {
	in := benchInput(10_000)
	b.ReportAllocs()
	for b.Loop() {
		if got := Compute(in); len(got) != 10_000 {
			b.Fatalf("scored %d accounts", len(got))
		}
	}
}

func BenchmarkBacktest10k(b *testing.B) {
	in := benchInput(10_000)
	scores := Compute(in)
	r := rand.New(rand.NewPCG(3, 3))
	ex := make([]Example, len(scores))
	for i, s := range scores {
		ex[i] = NewExample(s, r.Float64() < 0.1)
	}
	b.ReportAllocs()
	for b.Loop() {
		Backtest(ex, BacktestOptions{Scorecards: in.Scorecards, Split: SplitAccounts})
	}
}
