package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// SnapshotConfig chooses a snapshot portfolio (Snapshot, Noise).
type SnapshotConfig struct {
	Seed     int64
	Accounts int       // default 3000
	Day      time.Time // the snapshot's day (UTC); required
}

// SnapshotHorizonDays is how long after the snapshot churn is drawn for.
const SnapshotHorizonDays = 30

// maxSnapshotAccounts bounds Accounts: the portfolio is held in memory.
const maxSnapshotAccounts = 200_000

// latent is one account's hidden state behind its attributes: engagement
// u and money trouble v (both N(0,1), correlated −0.3), and seats.
type latent struct {
	u, v  float64
	seats float64
}

// attribute is one snapshot column: how it is drawn, how it drives churn.
type attribute struct {
	key    string
	kind   string
	driver string
	coef   float64
	draw   func(r *rand.Rand, l latent) (value float64, present bool)
	drive  func(v float64) float64
}

func ident(v float64) float64 { return v }

// snapshotAttributes are the columns of a snapshot, named as a CS Ops
// warehouse might name them; coefficients are per SD of the driver.
// Lower-is-better effects: tickets_open, invoice_overdue_days,
// pays_by_check, discount_pct, days_since_last_login, onboarding_days.
var snapshotAttributes = []attribute{
	{"seats_purchased", "count", "log(value)", -0.45,
		func(r *rand.Rand, l latent) (float64, bool) { return l.seats, true }, math.Log},
	{"logins", "count", "log1p(value)", -0.7,
		func(r *rand.Rand, l latent) (float64, bool) {
			return poisson(r, l.seats*0.8*math.Exp(0.7*l.u+0.3*r.NormFloat64())), true
		}, math.Log1p},
	{"tickets_open", "count", "value", 0.45,
		func(r *rand.Rand, l latent) (float64, bool) { return poisson(r, math.Exp(0.4+0.45*l.v)), true }, ident},
	{"invoice_overdue_days", "duration", "log1p(value)", 0.55,
		func(r *rand.Rand, l latent) (float64, bool) {
			if r.Float64() > logistic(-1.2+0.8*l.v) {
				return 0, true
			}
			return math.Round(math.Exp(2.4 + 0.4*l.v + 0.7*r.NormFloat64())), true
		}, math.Log1p},
	{"contract_months", "duration", "log(value)", -0.6,
		func(r *rand.Rand, l latent) (float64, bool) {
			return pick(r, []float64{1, 12, 24, 36}, []float64{0.3, 0.45, 0.15, 0.1}), true
		}, math.Log},
	{"pays_by_check", "binary", "value", 0.4,
		func(r *rand.Rand, l latent) (float64, bool) { return bernoulli(r, logistic(-1.6+0.5*l.v)), true }, ident},
	{"auto_renew", "binary", "value", -0.45,
		func(r *rand.Rand, l latent) (float64, bool) { return bernoulli(r, 0.6), true }, ident},
	{"has_sso", "binary", "value", 0,
		func(r *rand.Rand, l latent) (float64, bool) { return bernoulli(r, logistic(-1+0.02*l.seats)), true }, ident},
	{"uses_mobile_app", "binary", "value", 0,
		func(r *rand.Rand, l latent) (float64, bool) { return bernoulli(r, logistic(-0.4+0.6*l.u)), true }, ident},
	{"monthly_spend", "amount", "log(value)", 0,
		func(r *rand.Rand, l latent) (float64, bool) {
			return math.Round(100*l.seats*math.Max(5, 32+8*r.NormFloat64())) / 100, true
		}, math.Log},
	{"discount_pct", "ratio", "value", 0.3,
		func(r *rand.Rand, l latent) (float64, bool) {
			if r.Float64() < 0.5 {
				return 0, true
			}
			return math.Round(100*(0.05+0.35*r.Float64())) / 100, true
		}, ident},
	{"integrations_enabled", "count", "value", -0.4,
		func(r *rand.Rand, l latent) (float64, bool) { return poisson(r, math.Exp(0.6+0.5*l.u)), true }, ident},
	{"api_calls", "count", "log1p(value)", -0.3,
		func(r *rand.Rand, l latent) (float64, bool) {
			if r.Float64() < 0.25 {
				return 0, true
			}
			return math.Round(math.Exp(6 + 0.8*l.u + 1.4*r.NormFloat64())), true
		}, math.Log1p},
	{"report_exports", "count", "log1p(value)", 0,
		func(r *rand.Rand, l latent) (float64, bool) { return poisson(r, 4*math.Exp(0.5*l.u)), true }, math.Log1p},
	{"admins", "count", "value", 0,
		func(r *rand.Rand, l latent) (float64, bool) { return 1 + poisson(r, l.seats/40), true }, ident},
	{"csat_avg", "score", "value", -0.5,
		func(r *rand.Rand, l latent) (float64, bool) {
			if r.Float64() < 0.35 {
				return 0, false // never surveyed
			}
			return math.Round(10*math.Min(5, math.Max(1, 4+0.3*l.u-0.2*l.v+0.6*r.NormFloat64()))) / 10, true
		}, ident},
	{"nps_last", "score", "value", 0,
		func(r *rand.Rand, l latent) (float64, bool) {
			if r.Float64() < 0.6 {
				return 0, false
			}
			return math.Round(math.Min(100, math.Max(-100, 25+15*l.u+40*r.NormFloat64()))), true
		}, ident},
	{"feature_adoption", "ratio", "value", -0.55,
		func(r *rand.Rand, l latent) (float64, bool) {
			return math.Round(1000*logistic(0.8*l.u+0.9*r.NormFloat64())) / 1000, true
		}, ident},
	{"days_since_last_login", "duration", "log1p(value)", 0.5,
		func(r *rand.Rand, l latent) (float64, bool) {
			return math.Round(math.Exp(1.2 - 0.7*l.u + 0.9*r.NormFloat64())), true
		}, math.Log1p},
	{"onboarding_days", "duration", "log(value)", 0.3,
		func(r *rand.Rand, l latent) (float64, bool) {
			return math.Max(1, math.Round(math.Exp(3+0.6*r.NormFloat64()))), true
		}, math.Log},
	{"account_age_months", "duration", "log(value)", -0.3,
		func(r *rand.Rand, l latent) (float64, bool) { return float64(1 + r.IntN(72)), true }, math.Log},
}

// Snapshot generates portfolio (a): every account's attributes observed
// once, on cfg.Day, and churn within SnapshotHorizonDays after it drawn
// from the logistic model in Truth (about a quarter churn).
func Snapshot(cfg SnapshotConfig) (*Portfolio, error) {
	return snapshot(cfg, "snapshot", -1.45, 1)
}

// Noise generates portfolio (c): the same attributes as Snapshot, and
// churn (a fifth of accounts) independent of all of them.
func Noise(cfg SnapshotConfig) (*Portfolio, error) {
	return snapshot(cfg, "noise", math.Log(0.2/0.8), 0)
}

func snapshot(cfg SnapshotConfig, name string, intercept, effectScale float64) (*Portfolio, error) {
	if cfg.Accounts == 0 {
		cfg.Accounts = 3000
	}
	if cfg.Accounts < 1 || cfg.Accounts > maxSnapshotAccounts {
		return nil, fmt.Errorf("synth: accounts must be between 1 and %d, got %d", maxSnapshotAccounts, cfg.Accounts)
	}
	if cfg.Day.IsZero() {
		return nil, errors.New("synth: the snapshot day is required")
	}
	snap := day(cfg.Day)
	n := cfg.Accounts
	p := &Portfolio{Name: name, First: snap, Last: snap, Snapshot: snap,
		Truth: Truth{Intercept: intercept, HorizonDays: SnapshotHorizonDays}}
	for _, a := range snapshotAttributes {
		p.Truth.Effects = append(p.Truth.Effects, Effect{Signal: a.key, Kind: a.kind, Driver: a.driver, Coefficient: effectScale * a.coef})
	}

	lat := make([]latent, n)
	r := stream(cfg.Seed, 1)
	for i := range lat {
		u := r.NormFloat64()
		lat[i] = latent{u: u, v: -0.3*u + math.Sqrt(1-0.09)*r.NormFloat64(), seats: math.Max(1, math.Round(math.Exp(2.8+1.1*r.NormFloat64())))}
	}
	values := make([][]float64, len(snapshotAttributes)) // NaN: missing
	for j, a := range snapshotAttributes {
		r := stream(cfg.Seed, 100+uint64(j))
		values[j] = make([]float64, n)
		for i := range n {
			v, ok := a.draw(r, lat[i])
			values[j][i] = math.NaN()
			if ok {
				values[j][i] = v
			}
		}
	}
	logit := make([]float64, n)
	for i := range logit {
		logit[i] = intercept
	}
	for j, a := range snapshotAttributes {
		driven := make([]float64, n)
		for i, v := range values[j] {
			driven[i] = math.NaN()
			if !math.IsNaN(v) {
				driven[i] = a.drive(v)
			}
		}
		for i, z := range standardise(driven) {
			logit[i] += effectScale * a.coef * z
		}
	}

	ageColumn := slices.IndexFunc(snapshotAttributes, func(a attribute) bool { return a.key == "account_age_months" })
	rc := stream(cfg.Seed, 2)
	for i := range n {
		acct := scoring.Account{ID: int64(i + 1), ExternalID: fmt.Sprintf("cus_%05d", i+1), Name: fmt.Sprintf("Customer %05d", i+1)}
		if age := values[ageColumn][i]; !math.IsNaN(age) {
			acct.StartedAt = snap.AddDate(0, -int(age), 0)
		}
		if rc.Float64() < logistic(logit[i]) {
			acct.ChurnedAt = snap.AddDate(0, 0, 1+rc.IntN(SnapshotHorizonDays))
		}
		p.Accounts = append(p.Accounts, acct)
	}
	var obs []scoring.Observation
	for i := range n {
		for j, a := range snapshotAttributes {
			if v := values[j][i]; !math.IsNaN(v) {
				obs = append(obs, scoring.Observation{AccountID: int64(i + 1), Metric: a.key, ObservedAt: snap, Value: v, Source: Source})
			}
		}
	}
	p.NSignals = len(obs)
	p.signals = slices.Values(obs)
	return p, nil
}

// poisson draws from a Poisson distribution (Knuth below 30, a rounded
// normal above).
func poisson(r *rand.Rand, lambda float64) float64 {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return math.Max(0, math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64()))
	}
	l, k, p := math.Exp(-lambda), 0.0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

func bernoulli(r *rand.Rand, p float64) float64 {
	if r.Float64() < p {
		return 1
	}
	return 0
}

func pick(r *rand.Rand, values, probs []float64) float64 {
	x := r.Float64()
	for i, p := range probs {
		if x < p {
			return values[i]
		}
		x -= p
	}
	return values[len(values)-1]
}
