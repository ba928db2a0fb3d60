package scoring

import (
	"errors"
	"fmt"
	"math"
)

// LogisticOptions tune FitLogistic.
type LogisticOptions struct {
	Lambda  float64 // L2 penalty on standardized coefficients (not the intercept); default 1
	MaxIter int     // Newton steps; default 50
	Tol     float64 // stop when no coefficient moves more than this; default 1e-9
}

// LogisticModel is an L2-regularised logistic regression fitted on
// standardized features: logit = Intercept + Σ Coef[j]·(x[j]−Mean[j])/Std[j].
type LogisticModel struct {
	Intercept float64
	Coef      []float64 // per standard deviation of the feature
	Mean, Std []float64 // Std 0: the feature was constant and is ignored
	Iter      int
}

// FitLogistic fits P(y) by Newton–Raphson (IRLS) with an L2 penalty; it is
// deterministic. Rows of X must have equal length; y needs both classes.
func FitLogistic(X [][]float64, y []bool, opt LogisticOptions) (LogisticModel, error) {
	if len(X) == 0 || len(X) != len(y) {
		return LogisticModel{}, fmt.Errorf("logistic: %d rows and %d labels", len(X), len(y))
	}
	pos := 0
	for _, v := range y {
		if v {
			pos++
		}
	}
	if pos == 0 || pos == len(y) {
		return LogisticModel{}, errors.New("logistic: need both outcomes among the labels")
	}
	opt = opt.withDefaults()
	p := len(X[0])
	m := LogisticModel{Coef: make([]float64, p)}
	for i, row := range X {
		if len(row) != p {
			return LogisticModel{}, fmt.Errorf("logistic: row %d has %d features, want %d", i, len(row), p)
		}
	}
	m.Mean, m.Std = standardize(X, p)
	Z := make([][]float64, len(X)) // standardized, with a leading 1
	for i, row := range X {
		Z[i] = m.z(row)
	}
	beta := make([]float64, p+1)
	beta[0] = math.Log(float64(pos) / float64(len(y)-pos))
	for m.Iter = 1; m.Iter <= opt.MaxIter; m.Iter++ {
		step, err := newtonStep(Z, y, beta, opt.Lambda)
		if err != nil {
			return LogisticModel{}, err
		}
		moved := 0.0
		for j := range beta {
			beta[j] += step[j]
			moved = math.Max(moved, math.Abs(step[j]))
		}
		if moved < opt.Tol {
			break
		}
	}
	m.Intercept = beta[0]
	copy(m.Coef, beta[1:])
	return m, nil
}

func (o LogisticOptions) withDefaults() LogisticOptions {
	if o.Lambda <= 0 {
		o.Lambda = 1
	}
	if o.MaxIter <= 0 {
		o.MaxIter = 50
	}
	if o.Tol <= 0 {
		o.Tol = 1e-9
	}
	return o
}

func standardize(X [][]float64, p int) (mean, std []float64) {
	mean, std = make([]float64, p), make([]float64, p)
	n := float64(len(X))
	for _, row := range X {
		for j := range p {
			mean[j] += row[j] / n
		}
	}
	for _, row := range X {
		for j := range p {
			d := row[j] - mean[j]
			std[j] += d * d / n
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j])
		if constant(X, j) { // exactly, not by a rounding-prone threshold
			std[j] = 0
		}
	}
	return mean, std
}

func constant(X [][]float64, j int) bool {
	for _, row := range X {
		if row[j] != X[0][j] {
			return false
		}
	}
	return true
}

// z is the standardized row with a leading 1 for the intercept.
func (m LogisticModel) z(x []float64) []float64 {
	z := make([]float64, len(m.Mean)+1)
	z[0] = 1
	for j := range m.Mean {
		if m.Std[j] > 0 {
			z[j+1] = (x[j] - m.Mean[j]) / m.Std[j]
		}
	}
	return z
}

// Logit is the log-odds for a raw feature row.
func (m LogisticModel) Logit(x []float64) float64 {
	z := m.z(x)
	l := m.Intercept
	for j, c := range m.Coef {
		l += c * z[j+1]
	}
	return l
}

// Prob is the fitted probability for a raw feature row.
func (m LogisticModel) Prob(x []float64) float64 { return sigmoid(m.Logit(x)) }

// RawCoef is the change in log-odds per unit of each raw feature.
func (m LogisticModel) RawCoef() []float64 {
	out := make([]float64, len(m.Coef))
	for j, c := range m.Coef {
		if m.Std[j] > 0 {
			out[j] = c / m.Std[j]
		}
	}
	return out
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// newtonStep solves (ZᵀWZ + λI′) Δ = Zᵀ(y−p) − λβ′, with ′ sparing the intercept.
func newtonStep(Z [][]float64, y []bool, beta []float64, lambda float64) ([]float64, error) {
	d := len(beta)
	H := make([][]float64, d)
	for j := range H {
		H[j] = make([]float64, d)
	}
	g := make([]float64, d)
	for i, z := range Z {
		l := 0.0
		for j := range z {
			l += z[j] * beta[j]
		}
		p := sigmoid(l)
		w := math.Max(p*(1-p), 1e-12)
		r := -p
		if y[i] {
			r = 1 - p
		}
		for j := range z {
			g[j] += z[j] * r
			for k := 0; k <= j; k++ {
				H[j][k] += w * z[j] * z[k]
			}
		}
	}
	for j := 1; j < d; j++ {
		H[j][j] += lambda
		g[j] -= lambda * beta[j]
	}
	return choleskySolve(H, g)
}

// choleskySolve solves H x = g for symmetric positive-definite H, given
// its lower triangle.
func choleskySolve(H [][]float64, g []float64) ([]float64, error) {
	d := len(g)
	L := make([][]float64, d)
	for i := range L {
		L[i] = make([]float64, d)
		for j := 0; j <= i; j++ {
			s := H[i][j]
			for k := range j {
				s -= L[i][k] * L[j][k]
			}
			if i == j {
				if s <= 0 {
					return nil, errors.New("logistic: the problem is singular (too few rows?)")
				}
				L[i][i] = math.Sqrt(s)
			} else {
				L[i][j] = s / L[j][j]
			}
		}
	}
	x := make([]float64, d)
	for i := range d { // L u = g
		s := g[i]
		for k := range i {
			s -= L[i][k] * x[k]
		}
		x[i] = s / L[i][i]
	}
	for i := d - 1; i >= 0; i-- { // Lᵀ x = u
		s := x[i]
		for k := i + 1; k < d; k++ {
			s -= L[k][i] * x[k]
		}
		x[i] = s / L[i][i]
	}
	return x, nil
}
