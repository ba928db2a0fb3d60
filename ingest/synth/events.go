package synth

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// EventsConfig chooses an events portfolio.
type EventsConfig struct {
	Seed     int64
	Accounts int       // customers at the start; half as many again join during the two years. Default 400
	Last     time.Time // the last day with data (UTC); required
	Days     int       // days of history; default 730
}

// EventsHorizonDays is how long after a month-end churn is drawn for.
const EventsHorizonDays = 30

// eventWindowDays is the window of the counts that drive churn.
const eventWindowDays = 28

const maxEventAccounts = 20_000

// event is one product event: its daily count is Poisson with log-rate
// base + account level + usage·h(t) + friction·f(t), damped at weekends;
// h and f are slow random walks of the account's health and friction.
type event struct {
	key             string
	base, spread    float64 // mean and SD of the account's log-rate
	usage, friction float64
	weekend         float64 // rate factor on Saturday and Sunday
	coef            float64 // churn log-odds per SD of log1p(28-day sum)
}

// productEvents are the invented event names; churn is driven by
// api_calls and report_exported (higher is better) and by error_page_shown
// and seat_removed (lower is better), not by the rest — dashboard_viewed
// moves with health but has no effect of its own.
var productEvents = []event{
	{key: "api_calls", base: 4.5, spread: 1.0, usage: 1.0, weekend: 0.5, coef: -0.8},
	{key: "report_exported", base: 0.7, spread: 0.6, usage: 0.8, weekend: 0.2, coef: -0.5},
	{key: "dashboard_viewed", base: 2.3, spread: 0.7, usage: 0.9, weekend: 0.3},
	{key: "error_page_shown", base: -0.5, spread: 0.7, friction: 1.0, weekend: 0.5, coef: 0.6},
	{key: "seat_removed", base: -4.0, spread: 0.5, usage: -0.8, weekend: 0.1, coef: 0.45},
	{key: "notification_sent", base: 1.5, spread: 0.5, weekend: 1},
	{key: "comment_added", base: 0.3, spread: 0.8, usage: 0.3, weekend: 0.2},
	{key: "invoice_downloaded", base: -3.4, spread: 0.3, weekend: 0.1},
}

// eventsIntercept gives about 2 % churn a month at average counts.
const eventsIntercept = -4.0

// Events generates portfolio (b): daily counts of product events for two
// years (a row per account, event and day with at least one), and at every
// month-end each live account churns within EventsHorizonDays with the
// probability of the logistic model in Truth, read from its counts of the
// 28 days up to that month-end.
func Events(cfg EventsConfig) (*Portfolio, error) {
	if cfg.Accounts == 0 {
		cfg.Accounts = 400
	}
	if cfg.Days == 0 {
		cfg.Days = 730
	}
	if cfg.Accounts < 1 || cfg.Accounts > maxEventAccounts {
		return nil, fmt.Errorf("synth: accounts must be between 1 and %d, got %d", maxEventAccounts, cfg.Accounts)
	}
	if cfg.Days < 2*eventWindowDays {
		return nil, fmt.Errorf("synth: days must be at least %d, got %d", 2*eventWindowDays, cfg.Days)
	}
	if cfg.Last.IsZero() {
		return nil, errors.New("synth: the last day is required")
	}
	last := day(cfg.Last)
	first := last.AddDate(0, 0, -(cfg.Days - 1))
	p := &Portfolio{Name: "events", First: first, Last: last, Truth: Truth{Intercept: eventsIntercept, HorizonDays: EventsHorizonDays}}
	for _, e := range productEvents {
		p.Truth.Effects = append(p.Truth.Effects, Effect{Signal: e.key, Kind: "count", Driver: "log1p(28-day sum)", Coefficient: e.coef})
	}

	n := cfg.Accounts + cfg.Accounts/2
	g := &eventSim{days: cfg.Days, first: first, n: n, counts: make([][]uint16, n*len(productEvents))}
	g.accounts(cfg.Seed)
	g.run(cfg.Seed)
	for i := range n {
		a := scoring.Account{ID: int64(i + 1), ExternalID: fmt.Sprintf("org-%04d", i+1), Name: fmt.Sprintf("Org %04d", i+1),
			StartedAt: first.AddDate(0, 0, g.start[i])}
		if g.churn[i] >= 0 {
			a.ChurnedAt = first.AddDate(0, 0, g.churn[i])
		}
		p.Accounts = append(p.Accounts, a)
	}
	for i := range n {
		for k := range productEvents {
			for _, c := range g.counts[i*len(productEvents)+k] {
				if c > 0 {
					p.NSignals++
				}
			}
		}
	}
	p.signals = func(yield func(scoring.Observation) bool) {
		for i := range n {
			for k, e := range productEvents {
				for d, c := range g.counts[i*len(productEvents)+k] {
					if c > 0 && !yield(scoring.Observation{AccountID: int64(i + 1), Metric: e.key, ObservedAt: first.AddDate(0, 0, d),
						Value: float64(c), Source: Source}) {
						return
					}
				}
			}
		}
	}
	return p, nil
}

// eventSim simulates the portfolio day by day.
type eventSim struct {
	days   int
	first  time.Time
	n      int
	start  []int       // day index the account started (negative: before the history)
	churn  []int       // day index of churn, −1 for none
	level  [][]float64 // per account and event, the account's log-rate level
	counts [][]uint16  // per account×event, per day
}

func (g *eventSim) accounts(seed int64) {
	r := stream(seed, 10)
	initial := g.n * 2 / 3
	g.start, g.churn, g.level = make([]int, g.n), make([]int, g.n), make([][]float64, g.n)
	for i := range g.n {
		if i < initial {
			g.start[i] = -30 - r.IntN(1000)
		} else {
			g.start[i] = r.IntN(g.days - 4*eventWindowDays)
		}
		g.churn[i] = -1
		g.level[i] = make([]float64, len(productEvents))
		for k, e := range productEvents {
			g.level[i][k] = e.base + e.spread*r.NormFloat64()
		}
	}
}

// run draws the counts and the churn, day by day: health h and friction f
// are mean-reverting walks (stationary SD 0.6, a few months to revert).
func (g *eventSim) run(seed int64) {
	r, rc := stream(seed, 11), stream(seed, 12)
	const theta = 0.015
	step := 0.6 * math.Sqrt(2*theta)
	h, f := make([]float64, g.n), make([]float64, g.n)
	for i := range g.n {
		h[i], f[i] = 0.6*r.NormFloat64(), 0.6*r.NormFloat64()
	}
	for i := range g.counts {
		g.counts[i] = make([]uint16, g.days)
	}
	for d := range g.days {
		t := g.first.AddDate(0, 0, d)
		weekend := t.Weekday() == time.Saturday || t.Weekday() == time.Sunday
		for i := range g.n {
			h[i] += -theta*h[i] + step*r.NormFloat64()
			f[i] += -theta*f[i] + step*r.NormFloat64()
			if d < g.start[i] || (g.churn[i] >= 0 && d >= g.churn[i]) {
				continue
			}
			for k, e := range productEvents {
				rate := math.Exp(g.level[i][k] + e.usage*h[i] + e.friction*f[i])
				if weekend {
					rate *= e.weekend
				}
				g.counts[i*len(productEvents)+k][d] = uint16(min(poisson(r, rate), math.MaxUint16))
			}
		}
		if t.AddDate(0, 0, 1).Day() == 1 { // a month-end
			g.drawChurn(rc, d)
		}
	}
}

// drawChurn decides, at month-end d, which live accounts with a full
// window of history churn within the horizon, and when.
func (g *eventSim) drawChurn(rc *rand.Rand, d int) {
	var live []int
	for i := range g.n {
		if g.churn[i] < 0 && d-g.start[i] >= eventWindowDays {
			live = append(live, i)
		}
	}
	logit := make([]float64, len(live))
	for j := range logit {
		logit[j] = eventsIntercept
	}
	for k, e := range productEvents {
		x := make([]float64, len(live))
		for j, i := range live {
			sum := 0.0
			for _, c := range g.counts[i*len(productEvents)+k][d-eventWindowDays+1 : d+1] {
				sum += float64(c)
			}
			x[j] = math.Log1p(sum)
		}
		for j, z := range standardise(x) {
			logit[j] += e.coef * z
		}
	}
	for j, i := range live {
		if rc.Float64() < logistic(logit[j]) {
			if at := d + 1 + rc.IntN(EventsHorizonDays); at < g.days {
				g.churn[i] = at
			}
		}
	}
}
