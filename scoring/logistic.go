package scoring

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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
	// Aliased marks the features that are, within rounding, a linear
	// combination of the intercept and the features before them (one
	// signal under two names, a total beside its parts). Their effect
	// cannot be told apart from the others', so the fit ignores them like
	// constant ones: a ridge alone would split one effect between the
	// copies and leave neither's standard error defined.
	Aliased []bool
	Iter    int
	Lambda  float64 // the penalty it was fitted with (chosen by FitLogisticCV, or given)
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
	m.Aliased = aliased(X, m.Mean, m.Std)
	Z := make([][]float64, len(X)) // standardized, with a leading 1
	for i, row := range X {
		Z[i] = m.z(row)
	}
	beta := make([]float64, p+1)
	beta[0] = math.Log(float64(pos) / float64(len(y)-pos))
	iter, err := irls(Z, y, opt.Lambda, beta, opt)
	if err != nil {
		return LogisticModel{}, err
	}
	m.Iter, m.Lambda = iter, opt.Lambda
	m.Intercept = beta[0]
	copy(m.Coef, beta[1:])
	return m, nil
}

// irls runs Newton–Raphson from beta (updated in place; a warm start from
// a neighbouring penalty converges in a few steps) and returns the steps taken.
// A step that would raise the penalized loss is halved until it does not:
// on nearly separated data a full Newton step overshoots, and undamped the
// intercept ran off to −2.5e11 (every fitted probability 0, a singular
// information matrix and no standard error).
func irls(Z [][]float64, y []bool, lambda float64, beta []float64, opt LogisticOptions) (int, error) {
	iter := 1
	loss := penalizedLoss(Z, y, beta, lambda)
	next := make([]float64, len(beta))
	for ; iter <= opt.MaxIter; iter++ {
		step, err := newtonStep(Z, y, beta, lambda)
		if err != nil {
			return iter, err
		}
		downhill := false
		for range maxHalvings {
			for j := range beta {
				next[j] = beta[j] + step[j]
			}
			if l := penalizedLoss(Z, y, next, lambda); l <= loss+1e-12*(1+math.Abs(loss)) {
				loss, downhill = l, true
				break
			}
			for j := range step {
				step[j] /= 2
			}
		}
		if !downhill {
			break // no step lowers the loss beyond rounding: converged
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
	return iter, nil
}

// maxHalvings bounds the damping of one Newton step: 2⁻⁴⁰ of a step is
// below any tolerance, so a step still not downhill by then is rounding.
const maxHalvings = 40

// penalizedLoss is what the fit minimises: the negative log-likelihood plus
// λ/2 Σ β′² (the intercept spared), computed without overflow.
func penalizedLoss(Z [][]float64, y []bool, beta []float64, lambda float64) float64 {
	loss := 0.0
	for i, z := range Z {
		l := 0.0
		for j := range z {
			l += z[j] * beta[j]
		}
		// −log P(y): softplus(l) − y·l, softplus(l) = max(l, 0) + log(1 + e^−|l|)
		loss += math.Max(l, 0) + math.Log1p(math.Exp(-math.Abs(l)))
		if y[i] {
			loss -= l
		}
	}
	for j := 1; j < len(beta); j++ {
		loss += lambda / 2 * beta[j] * beta[j]
	}
	return loss
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

// aliasTol is the share of a standardized feature's variance that must be
// left once the features before it are regressed out for it to count as a
// feature of its own: below it (R² above 1 − 1e-9) it is a copy, up to
// rounding, and its coefficient is not estimable.
const aliasTol = 1e-9

// aliased finds the features in the span of the intercept and the
// features before them: a Cholesky factorisation of the varying features'
// correlation matrix, in order, leaving out each feature whose variance
// left after the features kept before it is below aliasTol. Earlier
// features win, so a catalog metric keeps its place beside a discovered
// copy. One pass over the rows and p² memory: the fit's benchmark has
// 240,000 rows, too many to keep an orthogonal basis of.
func aliased(X [][]float64, mean, std []float64) []bool {
	out := make([]bool, len(std))
	var idx []int // the varying features; constant ones are ignored already
	for j := range std {
		if std[j] > 0 {
			idx = append(idx, j)
		}
	}
	k := len(idx)
	C := make([][]float64, k) // Σ z zᵀ, lower triangle
	for a := range C {
		C[a] = make([]float64, a+1)
	}
	z := make([]float64, k)
	for _, row := range X {
		for a, j := range idx {
			z[a] = (row[j] - mean[j]) / std[j]
		}
		for a, za := range z {
			Ca := C[a]
			for b := range Ca {
				Ca[b] += za * z[b]
			}
		}
	}
	n := float64(len(X))
	L := make([][]float64, k) // row a: over the features kept before a, then its diagonal
	var kept []int
	for a := range k {
		l := make([]float64, len(kept), len(kept)+1)
		for m, b := range kept {
			v := C[a][b] / n
			for q := range m {
				v -= l[q] * L[b][q]
			}
			l[m] = v / L[b][m]
		}
		d := C[a][a] / n // 1, up to rounding: the feature is standardized
		for _, v := range l {
			d -= v * v
		}
		if d < aliasTol {
			out[idx[a]] = true
			continue
		}
		L[a] = append(l, math.Sqrt(d))
		kept = append(kept, a)
	}
	return out
}

// free reports whether feature j enters the fit: it varies and is no
// copy of the features before it.
func (m LogisticModel) free(j int) bool {
	return m.Std[j] > 0 && (m.Aliased == nil || !m.Aliased[j])
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
		if m.free(j) {
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
		if m.free(j) {
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
		for j, zj := range z {
			g[j] += zj * r
			wz, Hj := w*zj, H[j][:j+1]
			for k, zk := range z[:j+1] {
				Hj[k] += wz * zk
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

// LambdaGrid is the set of L2 penalties FitLogisticCV chooses from, largest
// first (each fit warm-starts from the previous one). The penalty is on
// coefficients per standard deviation, so the same grid suits any units;
// it spans "almost no shrinkage" to "shrink hard" for thousands of rows.
var LambdaGrid = []float64{1000, 100, 10, 1, 0.1}

// CVFolds is the number of folds of FitLogisticCV.
const CVFolds = 5

// FitLogisticCV fits like FitLogistic with the penalty chosen by k-fold
// cross-validation (CVFolds, held-out log-loss). Folds are whole groups:
// rows of one account seen at several month-ends are not independent, and
// splitting them across folds would reward memorising accounts. Call it on
// the training part only, so the held-out test never chooses the penalty.
// groups[i] is row i's account; the folds are seeded and repeatable.
func FitLogisticCV(X [][]float64, y []bool, groups []int64, seed uint64) (LogisticModel, error) {
	if len(groups) != len(X) {
		return LogisticModel{}, fmt.Errorf("logistic: %d rows and %d groups", len(X), len(groups))
	}
	lambda := chooseLambda(X, y, groups, seed)
	m, err := FitLogistic(X, y, LogisticOptions{Lambda: lambda})
	m.Lambda = lambda
	return m, err
}

// chooseLambda returns the grid penalty with the least cross-validated
// log-loss; 1 when the data are too few to cross-validate.
func chooseLambda(X [][]float64, y []bool, groups []int64, seed uint64) float64 {
	if len(X) == 0 || len(X[0]) == 0 {
		return 1
	}
	X, y, groups = cvSample(X, y, groups, seed)
	p := len(X[0])
	mean, std := standardize(X, p)
	std0 := LogisticModel{Mean: mean, Std: std, Aliased: aliased(X, mean, std)}
	Z := make([][]float64, len(X))
	for i, row := range X {
		Z[i] = std0.z(row)
	}
	fold := groupFolds(groups, seed)
	loss := make([]float64, len(LambdaGrid))
	usable := 0
	opt := LogisticOptions{Tol: 1e-4}.withDefaults() // the log-loss of a fold does not need more
	for k := range CVFolds {
		var zt [][]float64
		var yt []bool
		var test []int
		for i := range Z {
			if fold[i] == k {
				test = append(test, i)
			} else {
				zt, yt = append(zt, Z[i]), append(yt, y[i])
			}
		}
		pos := countTrue(yt)
		if len(test) == 0 || pos == 0 || pos == len(yt) {
			continue
		}
		usable++
		beta := make([]float64, p+1)
		beta[0] = math.Log(float64(pos) / float64(len(yt)-pos))
		for li, lambda := range LambdaGrid {
			if _, err := irls(zt, yt, lambda, beta, opt); err != nil {
				loss[li] = math.Inf(1)
				continue
			}
			for _, i := range test {
				l := 0.0
				for j, z := range Z[i] {
					l += z * beta[j]
				}
				q := sigmoid(l)
				if !y[i] {
					q = 1 - q
				}
				loss[li] -= math.Log(math.Max(q, 1e-15))
			}
		}
	}
	if usable < 2 {
		return 1
	}
	best := 0
	for li := range loss {
		if loss[li] < loss[best] {
			best = li
		}
	}
	return LambdaGrid[best]
}

// CVMaxRows caps the rows cross-validation fits on: beyond tens of
// thousands of rows the choice of penalty barely matters (the data swamp
// it), while each of the len(LambdaGrid)×CVFolds fits costs a pass per
// Newton step. Whole accounts are sampled, seeded.
const CVMaxRows = 20000

func cvSample(X [][]float64, y []bool, groups []int64, seed uint64) ([][]float64, []bool, []int64) {
	if len(X) <= CVMaxRows {
		return X, y, groups
	}
	ids := seededOrder(rand.New(rand.NewPCG(seed, 0x5a3b)), distinct(groups))
	rows := map[int64]int{}
	for _, g := range groups {
		rows[g]++
	}
	keep, n := map[int64]bool{}, 0
	for _, id := range ids {
		if n >= CVMaxRows {
			break
		}
		keep[id], n = true, n+rows[id]
	}
	var xs [][]float64
	var ys []bool
	var gs []int64
	for i, g := range groups {
		if keep[g] {
			xs, ys, gs = append(xs, X[i]), append(ys, y[i]), append(gs, g)
		}
	}
	return xs, ys, gs
}

// groupFolds assigns each row the fold of its group: groups are sorted,
// shuffled by seed and dealt round-robin.
func groupFolds(groups []int64, seed uint64) []int {
	ids := seededOrder(rand.New(rand.NewPCG(seed, 0xf01d)), distinct(groups))
	of := make(map[int64]int, len(ids))
	for i, id := range ids {
		of[id] = i % CVFolds
	}
	out := make([]int, len(groups))
	for i, g := range groups {
		out[i] = of[g]
	}
	return out
}

// seededOrder sorts ids, so the map or row order they came in does not
// matter, and shuffles them with r: the repeatable random order in which
// the backtest's account split, the cross-validation folds and its sample
// deal accounts. It returns ids, reordered in place.
func seededOrder(r *rand.Rand, ids []int64) []int64 {
	slices.Sort(ids)
	r.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	return ids
}

// distinct is the distinct values of ids, in a new slice.
func distinct(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}

func countTrue(y []bool) int {
	n := 0
	for _, v := range y {
		if v {
			n++
		}
	}
	return n
}

// ClusterSE is the standard error of each coefficient (per SD, like Coef),
// robust to rows that come in clusters (Liang–Zeger sandwich over
// groups): an account seen at twelve month-ends is one piece of evidence,
// not twelve, and the plain inverse-Hessian error would pretend otherwise.
// X, y and groups are the rows the model was fitted on.
//
// A coefficient the data cannot estimate has a NaN error, never 0 (which
// would read as infinitely precise and pass any test of evidence): that of
// a constant or aliased feature, and every one when the information matrix
// is singular (a fit that ran off to infinity on separated data).
func (m LogisticModel) ClusterSE(X [][]float64, y []bool, groups []int64) []float64 {
	d := len(m.Coef) + 1
	beta := append([]float64{m.Intercept}, m.Coef...)
	H := make([][]float64, d)
	for j := range H {
		H[j] = make([]float64, d)
	}
	var score [][]float64 // per group, in order of first appearance (deterministic sums)
	index := map[int64]int{}
	for i, x := range X {
		z := m.z(x)
		l := 0.0
		for j := range z {
			l += z[j] * beta[j]
		}
		p := sigmoid(l)
		w, r := p*(1-p), -p
		if y[i] {
			r = 1 - p
		}
		gi, ok := index[groups[i]]
		if !ok {
			gi = len(score)
			index[groups[i]] = gi
			score = append(score, make([]float64, d))
		}
		s := score[gi]
		for j := range z {
			s[j] += z[j] * r
			for k := 0; k <= j; k++ {
				H[j][k] += w * z[j] * z[k]
			}
		}
	}
	for j := 1; j < d; j++ {
		H[j][j] += m.Lambda
	}
	// A = H⁻¹, column by column; meat = Σ_g s_g s_gᵀ; V = A·meat·A.
	A := make([][]float64, d)
	for k := range d {
		e := make([]float64, d)
		e[k] = 1
		col, err := choleskySolve(H, e)
		if err != nil {
			out := make([]float64, len(m.Coef))
			for j := range out {
				out[j] = math.NaN()
			}
			return out
		}
		A[k] = col // symmetric: column k is row k
	}
	g := float64(len(score))
	adj := 1.0
	if g > 1 {
		adj = g / (g - 1)
	}
	out := make([]float64, len(m.Coef))
	for j := 1; j < d; j++ {
		if !m.free(j - 1) {
			out[j-1] = math.NaN()
			continue
		}
		v := 0.0
		for _, s := range score {
			t := 0.0 // (A s)_j
			for k := range d {
				t += A[j][k] * s[k]
			}
			v += t * t
		}
		out[j-1] = math.Sqrt(adj * v)
	}
	return out
}
