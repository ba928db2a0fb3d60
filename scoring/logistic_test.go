package scoring

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func TestLogisticRecoversKnownDirection(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(42, 1))
	const n = 4000
	X, y := make([][]float64, n), make([]bool, n)
	for i := range n {
		z1, z2, z3 := r.NormFloat64(), r.NormFloat64(), r.NormFloat64()
		X[i] = []float64{50 + 20*z1, 3 + 0.5*z2, z3, 7} // the last feature is constant
		y[i] = r.Float64() < sigmoid(-0.5-1.5*z1+0.8*z2)
	}
	m, err := FitLogistic(X, y, LogisticOptions{Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(m.Coef[0]+1.5) > 0.2 || math.Abs(m.Coef[1]-0.8) > 0.15 || math.Abs(m.Coef[2]) > 0.1 || m.Coef[3] != 0 {
		t.Fatalf("coefficients per SD = %v, want about [-1.5 0.8 0 0]", m.Coef)
	}
	if raw := m.RawCoef(); math.Abs(raw[0]+1.5/20) > 0.01 || raw[3] != 0 {
		t.Fatalf("raw coefficients = %v", raw)
	}
	if m.Iter >= 50 {
		t.Fatalf("did not converge in %d steps", m.Iter)
	}

	// A strong penalty shrinks every coefficient towards 0.
	strong, err := FitLogistic(X, y, LogisticOptions{Lambda: 1e5})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(strong.Coef[0]) >= math.Abs(m.Coef[0])/5 {
		t.Fatalf("lambda 1e5 left coefficient %v (unpenalised %v)", strong.Coef[0], m.Coef[0])
	}
}

// With one binary feature the maximum-likelihood fit is the log odds ratio
// of the two groups: (30/10) / (10/30) = 9, so the raw coefficient is ln 9.
func TestLogisticMatchesClosedForm(t *testing.T) {
	t.Parallel()
	var X [][]float64
	var y []bool
	add := func(x float64, pos bool, times int) {
		for range times {
			X, y = append(X, []float64{x}), append(y, pos)
		}
	}
	add(0, true, 10)
	add(0, false, 30)
	add(1, true, 30)
	add(1, false, 10)
	m, err := FitLogistic(X, y, LogisticOptions{Lambda: 1e-9})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.RawCoef()[0]; math.Abs(got-math.Log(9)) > 1e-6 {
		t.Fatalf("raw coefficient %v, want ln 9 = %v", got, math.Log(9))
	}
	if p := m.Prob([]float64{0}); math.Abs(p-0.25) > 1e-6 {
		t.Fatalf("P(x=0) = %v, want 0.25", p)
	}
}

func TestLogisticRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		X [][]float64
		y []bool
	}{
		"no rows":         {nil, nil},
		"length mismatch": {[][]float64{{1}, {2}}, []bool{true}},
		"one class":       {[][]float64{{1}, {2}}, []bool{true, true}},
		"ragged rows":     {[][]float64{{1, 2}, {2}}, []bool{true, false}},
	}
	for name, tc := range tests {
		if _, err := FitLogistic(tc.X, tc.y, LogisticOptions{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The training rows of the backtest fixture in which widgets_built is 100 ×
// active_user_ratio (cmd/healthbot TestBacktestFitsDiscoveredMetrics): two
// of its seven metric scores copy others exactly, a third all but two rows,
// and the data nearly separate.
// Undamped, the fit ran its intercept off to −2.5e11, the information matrix
// went singular and ClusterSE answered 0 for every coefficient, which
// suggestWeights read as "demonstrated". Now the copies are not estimable
// (NaN, left out of the fit), the others keep a finite, positive error, and
// a copy gets neither a weight nor a learned direction.
func TestLogisticAliasedFeaturesAreNotEstimable(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("testdata/aliased_fit.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		X      [][]float64
		Y      []bool
		Groups []int64
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	m, err := FitLogistic(d.X, d.Y, LogisticOptions{Lambda: 1})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{false, false, false, true, true, false, false}; !slices.Equal(m.Aliased, want) {
		t.Fatalf("aliased %v, want %v", m.Aliased, want)
	}
	if math.IsNaN(m.Intercept) || math.Abs(m.Intercept) > 100 {
		t.Fatalf("the fit ran off: intercept %g", m.Intercept)
	}
	se := m.ClusterSE(d.X, d.Y, d.Groups)
	for j, s := range se {
		switch {
		case m.Aliased[j] && !math.IsNaN(s):
			t.Errorf("feature %d is a copy: SE %g, want NaN (not estimable)", j, s)
		case !m.Aliased[j] && !(s > 0 && !math.IsInf(s, 0)):
			t.Errorf("feature %d: SE %g, want finite and positive", j, s)
		}
		if m.Aliased[j] && m.Coef[j] != 0 {
			t.Errorf("feature %d is a copy but has coefficient %g", j, m.Coef[j])
		}
	}
	metrics := make([]Metric, len(se))
	for j := range metrics {
		metrics[j] = Metric{Key: fmt.Sprintf("m%d", j), Origin: OriginDiscovered}
	}
	uni := make([]univariateEvidence, len(metrics))
	for j := range uni {
		uni[j] = univariateEvidence{AUC: 0.1, Z: -10} // strong on its own: the copies must still not be weighed
	}
	ws, _ := suggestWeights(m, se, uni, metrics, Scorecard{}, nil)
	for j, w := range ws {
		if m.Aliased[j] && (!w.NotEstimable || w.SE != 0 || w.Suggested != 0 || w.DirectionFrom == DirectionLearned) {
			t.Errorf("%s: %+v, want not estimable, weight 0, no learned direction", w.Metric, w)
		}
		if !m.Aliased[j] && (w.NotEstimable || w.SE <= 0) {
			t.Errorf("%s: %+v, want an estimated SE", w.Metric, w)
		}
	}
}

// A feature is aliased when it is a linear combination of the intercept
// and the features before it (a mean of two metrics, a rescaled copy), not
// only an exact copy; one that merely correlates strongly is kept.
func TestAliasedFindsLinearCombinations(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 9))
	X := make([][]float64, 200)
	for i := range X {
		u, v := 100*r.Float64(), 100*r.Float64()
		X[i] = []float64{u, v, (u + v) / 2, 3*u - 2, u + r.NormFloat64(), 7}
	}
	mean, std := standardize(X, 6)
	if got, want := aliased(X, mean, std), []bool{false, false, true, true, false, false}; !slices.Equal(got, want) {
		t.Fatalf("aliased %v, want %v (the constant last column is ignored, not aliased)", got, want)
	}
}
