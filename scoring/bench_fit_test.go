package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/healthbot/healthbot/internal/heappeak"
)

// The fit's benchmark portfolio (issue #12): 10,000 accounts × 40 metrics
// × 24 month-ends = 240,000 examples, every metric discovered and waiting
// for a direction (a portfolio with no scorecard file), 5 % missing.
const (
	fbAccounts  = 10_000
	fbMetrics   = 40
	fbMonthEnds = 24
)

// fitBenchExamples builds the examples directly, as bot.BacktestExamples
// would hand them over: metric scores 0–100 and raw values per metric;
// churn within the horizon from a logistic model on the first ten metrics
// (five each way), about 2 % per month-end.
func fitBenchExamples() ([]Example, Scorecards) {
	r := rand.New(rand.NewPCG(12, 40))
	ms := make([]Metric, fbMetrics)
	for j := range ms {
		ms[j] = Metric{Key: fmt.Sprintf("event_%02d", j), Family: Families[j%2*3], Label: fmt.Sprintf("Event %02d", j), Unit: UnitCount,
			Feature: FeatureSum, WindowDays: 28, Normalisation: NormPeerPercentile, Weight: 1,
			Origin: OriginDiscovered, DirectionFrom: DirectionUnknown}
	}
	scs, err := DefaultScorecards().WithDiscovered(ms...)
	if err != nil {
		panic(err)
	}
	level := make([]float64, fbAccounts*fbMetrics)
	for i := range level {
		level[i] = r.NormFloat64()
	}
	ex := make([]Example, 0, fbAccounts*fbMonthEnds)
	ends := MonthEnds(time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	for _, t := range ends {
		for a := range fbAccounts {
			x := Example{AccountID: int64(a + 1), AsOf: t, Scorecard: "default", Band: BandNone,
				Features: make(map[string]float64, fbMetrics), Raw: make(map[string]float64, fbMetrics)}
			logit := -4.0
			for j, m := range ms {
				if r.Float64() < 0.05 {
					continue
				}
				z := 0.8*level[a*fbMetrics+j] + 0.6*r.NormFloat64()
				x.Features[m.Key] = math.Round(1000*100*normalCDF(z)) / 1000
				x.Raw[m.Key] = math.Round(math.Exp(2 + z))
				if j < 10 {
					logit += []float64{-0.6, 0.5}[j%2] * z
				}
			}
			x.Churned = r.Float64() < 1/(1+math.Exp(-logit))
			ex = append(ex, x)
		}
	}
	return ex, scs
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// BenchmarkFit10kAccounts40Metrics24MonthEnds times the backtest's fit
// (Backtest: the λ cross-validation, the fitted and the reference model,
// the held-out comparison, the fitted scorecards) on 240,000 examples and
// samples the Go heap during it. examples-MB is the live heap the
// examples alone hold; peak-heap-MB is the highest live heap seen during
// a fit, examples included.
func BenchmarkFit10kAccounts40Metrics24MonthEnds(b *testing.B) {
	ex, scs := fitBenchExamples()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	examplesMB := float64(ms.HeapAlloc) / (1 << 20)
	var peak uint64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		stop := heappeak.Sample(5 * time.Millisecond)
		r := Backtest(ex, BacktestOptions{Scorecards: scs})
		peak = max(peak, stop())
		if r.Fit.Err != "" {
			b.Fatalf("no fit: %s", r.Fit.Err)
		}
		b.Logf("fitted held-out AUC %.3f, reference %.3f, λ %g, %d weights", r.Fit.AUCFitted, r.Fit.AUCReference, r.Fit.Lambda, len(r.Fit.Weights))
	}
	b.StopTimer()
	b.ReportMetric(examplesMB, "examples-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}
