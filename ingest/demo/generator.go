package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Segment indexes.
const (
	segEnterprise = iota
	segMidMarket
	segSMB
)

// segmentSpec is what sets one segment apart: size, price, plans, support
// load and how often its accounts share a chat channel with us.
type segmentSpec struct {
	name             string
	share            float64
	seatsMin         float64
	seatsMax         float64
	priceMin         float64
	priceMax         float64
	plans            []string
	usageOffset      float64 // logit shift of active users: big accounts have more idle seats
	messagingShare   float64
	csatPerDay       float64
	midTermChurnRate float64 // share of churners who leave before their renewal date
}

var segments = []segmentSpec{
	segEnterprise: {"Enterprise", 0.15, 250, 3000, 38, 55, []string{"Enterprise"}, -0.3, 0.7, 0.16, 0},
	segMidMarket:  {"Mid-Market", 0.35, 50, 300, 30, 40, []string{"Business", "Business Plus"}, 0, 0.5, 0.11, 0.2},
	segSMB:        {"SMB", 0.50, 5, 50, 18, 28, []string{"Team", "Starter"}, 0.25, 0.25, 0.07, 0.5},
}

// Shares of the portfolio that churn within the year, and that are
// declining now and churn after AsOf.
const (
	churnShare  = 0.12
	atRiskShare = 0.04
)

// never is a day index no account reaches.
const never = math.MaxInt32

// Stream purposes: each (account, purpose) pair draws from its own random
// stream, so changing one metric's model (or the season) leaves the others'
// draws alone.
const (
	streamPortfolio uint64 = iota + 1
	streamProfile
	streamLatent
	streamActiveUsers
	streamSeats
	streamAdoption
	streamAdmin
	streamSessions
	streamTickets
	streamCSAT
	streamNPS
	streamMessages
	streamContract
	streamPulse
	streamCSM
)

type generator struct {
	seed   uint64
	asOf   time.Time
	start  time.Time   // day 0
	days   []time.Time // day index → midnight UTC, for the history
	season bool
}

func newGenerator(seed int64, asOf time.Time, season bool) *generator {
	g := &generator{seed: uint64(seed), asOf: asOf, start: asOf.AddDate(0, 0, -historyDays), season: season}
	g.days = make([]time.Time, historyDays)
	for d := range g.days {
		g.days[d] = g.start.AddDate(0, 0, d)
	}
	return g
}

// rng returns the random stream of one (owner, purpose); owner is an account
// index, or -1 for portfolio-wide draws.
func (g *generator) rng(owner int, purpose uint64) *rand.Rand {
	stream := uint64(owner+2)<<8 | purpose
	return rand.New(rand.NewPCG(g.seed^0x9e3779b97f4a7c15, stream*0xbf58476d1ce4e5b9))
}

func (g *generator) day(d int) time.Time {
	if d >= 0 && d < len(g.days) {
		return g.days[d]
	}
	return g.start.AddDate(0, 0, d)
}

func (g *generator) dayIndex(t time.Time) int { return int(math.Round(t.Sub(g.start).Hours() / 24)) }

func (g *generator) seasonAt(d int) float64 {
	if !g.season {
		return 1
	}
	return SeasonFactor(g.day(d))
}

// profile is one account's hidden story.
type profile struct {
	idx          int
	seg          int
	csm          int
	seats        int
	mrr          float64
	baseline     float64 // latent health, N(0,1); churners lower
	startDay     int     // may be negative: customer since before the window
	churnDay     int     // never, or a day index (>= historyDays for at-risk accounts)
	churns       bool
	atRisk       bool
	declineDays  int
	declineDepth float64
	expandDay    int // never, or the day seats and MRR grow
	messaging    bool
	story        string // the reason code behind a decline
	nameIdx      int
}

func (g *generator) portfolio(n int) *Portfolio {
	p := &Portfolio{Seed: int64(g.seed), AsOf: g.asOf}
	for i, c := range csmSeeds {
		p.CSMs = append(p.CSMs, scoring.CSM{
			ID: int64(i + 1), SlackUserID: c.slackID, Email: c.email + "@" + EmailDomain,
			Name: c.name, TZ: c.tz, Active: true,
		})
	}
	profiles := g.profiles(n)
	csmRates := g.csmTraits()
	// About 1,450 signals and 40 pulses per account: size once, not by doubling.
	p.Signals = make([]scoring.Observation, 0, n*1500)
	p.Pulses = make([]scoring.Pulse, 0, n*45)
	for _, pr := range profiles {
		p.Accounts = append(p.Accounts, g.account(pr))
		p.Truth = append(p.Truth, g.truth(pr))
		lat := g.latent(pr)
		p.Signals = g.signals(p.Signals, pr, lat)
		p.Pulses = g.pulses(p.Pulses, pr, lat, csmRates[pr.csm])
	}
	return p
}

// profiles draws every account's segment, size, fate and owner.
func (g *generator) profiles(n int) []profile {
	r := g.rng(-1, streamPortfolio)
	segOf := make([]int, 0, n)
	for s := range segments {
		k := int(math.Round(segments[s].share * float64(n)))
		if s == len(segments)-1 {
			k = n - len(segOf)
		}
		for range k {
			if len(segOf) < n {
				segOf = append(segOf, s)
			}
		}
	}
	r.Shuffle(len(segOf), func(i, j int) { segOf[i], segOf[j] = segOf[j], segOf[i] })

	fate := make([]int, n) // 0 stays, 1 churns, 2 at risk
	order := r.Perm(n)
	nChurn := int(math.Round(churnShare * float64(n)))
	nRisk := int(math.Round(atRiskShare * float64(n)))
	for k, i := range order {
		switch {
		case k < nChurn:
			fate[i] = 1
		case k < nChurn+nRisk:
			fate[i] = 2
		}
	}
	names := r.Perm(len(namePrefixes) * len(nameSuffixes))

	perSeg := map[int][]int{}
	for i, c := range csmSeeds {
		perSeg[c.segment] = append(perSeg[c.segment], i)
	}
	seen := map[int]int{}
	out := make([]profile, n)
	for i := range out {
		csms := perSeg[segOf[i]]
		out[i] = g.profile(i, segOf[i], fate[i], csms[seen[segOf[i]]%len(csms)])
		seen[segOf[i]]++
		out[i].nameIdx = names[i%len(names)]
	}
	return out
}

func (g *generator) profile(i, seg, fate, csm int) profile {
	r := g.rng(i, streamProfile)
	spec := segments[seg]
	pr := profile{idx: i, seg: seg, csm: csm, churnDay: never, expandDay: never}
	pr.seats = int(math.Round(math.Exp(uniform(r, math.Log(spec.seatsMin), math.Log(spec.seatsMax)))))
	pr.mrr = math.Round(float64(pr.seats)*uniform(r, spec.priceMin, spec.priceMax)/10) * 10
	pr.baseline = r.NormFloat64()
	pr.messaging = r.Float64() < spec.messagingShare

	switch fate {
	case 1, 2:
		pr.baseline = r.NormFloat64() - 1.0 // weaker from the start, as in real life
		pr.churns, pr.atRisk = fate == 1, fate == 2
		if pr.churns {
			pr.churnDay = 45 + r.IntN(historyDays-45)
			pr.declineDays = 30 + r.IntN(61)
		} else {
			pr.churnDay = historyDays + 10 + r.IntN(50)
			late := pr.churnDay - historyDays + 20
			pr.declineDays = max(late, 45+r.IntN(46))
		}
		pr.declineDepth = uniform(r, 1.8, 3.0)
		if r.Float64() < 0.1 { // a sudden loss: acquired, budget gone
			pr.declineDepth = uniform(r, 0, 0.4)
		}
		pr.story = []string{"champion_left", "budget_cut", "low_adoption", "product_gaps", "support_issues"}[r.IntN(5)]
		if r.Float64() < spec.midTermChurnRate {
			pr.startDay = pr.churnDay - 120 - r.IntN(900)
		} else { // churn at a renewal: the contract anniversary is the churn date
			pr.startDay = g.dayIndex(g.day(pr.churnDay).AddDate(-1-r.IntN(3), 0, 0))
		}
	default:
		if r.Float64() < 0.12 {
			pr.startDay = r.IntN(300) // a new customer this year
		} else {
			pr.startDay = -30 - r.IntN(1500)
		}
		if pr.baseline > 0 && r.Float64() < 0.2 {
			pr.expandDay = max(pr.startDay, 0) + 30 + r.IntN(300)
		}
	}
	return pr
}

// csmTraits draws each CSM's pulse completion rate.
func (g *generator) csmTraits() []float64 {
	r := g.rng(-1, streamCSM)
	rates := make([]float64, len(csmSeeds))
	for i := range rates {
		rates[i] = uniform(r, 0.76, 0.94)
	}
	return rates
}

func (g *generator) account(pr profile) scoring.Account {
	spec := segments[pr.seg]
	r := g.rng(pr.idx, streamProfile+100)
	name := namePrefixes[pr.nameIdx/len(nameSuffixes)] + " " + nameSuffixes[pr.nameIdx%len(nameSuffixes)]
	if pr.idx == 0 {
		name = "Acme Corp" // so `/health acme` finds something
	}
	if pr.idx >= len(namePrefixes)*len(nameSuffixes) {
		name = fmt.Sprintf("%s %d", name, pr.idx/(len(namePrefixes)*len(nameSuffixes))+1)
	}
	a := scoring.Account{
		ID:         int64(pr.idx + 1),
		ExternalID: fmt.Sprintf("demo-%04d", pr.idx+1),
		Name:       name,
		Domain:     strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example",
		Segment:    spec.name,
		OwnerID:    int64(pr.csm + 1),
		Plan:       spec.plans[r.IntN(len(spec.plans))],
		MRR:        g.mrrAt(pr, historyDays-1),
		Seats:      g.seatsAt(pr, historyDays-1),
		StartedAt:  g.day(pr.startDay),
		Attributes: map[string]any{
			"demo":     true,
			"industry": industries[r.IntN(len(industries))],
			"region":   regions[r.IntN(len(regions))],
		},
	}
	if pr.churns {
		a.ChurnedAt = g.day(pr.churnDay)
		a.MRR = g.mrrAt(pr, pr.churnDay-1)
		a.Seats = g.seatsAt(pr, pr.churnDay-1)
	}
	a.RenewalDate = g.day(g.nextRenewal(pr, min(pr.churnDay, historyDays)))
	return a
}

func (g *generator) truth(pr profile) Truth {
	t := Truth{Churns: pr.churns, AtRisk: pr.atRisk, Baseline: pr.baseline}
	if pr.churnDay != never {
		t.ChurnAt = g.day(pr.churnDay)
		if pr.declineDepth >= 0.5 {
			t.DeclineStart = g.day(pr.churnDay - pr.declineDays)
		}
	}
	return t
}

// nextRenewal is the first contract anniversary on or after day d.
func (g *generator) nextRenewal(pr profile, d int) int {
	start := g.day(pr.startDay)
	for k := 1; ; k++ {
		ann := start.AddDate(k, 0, 0)
		if day := g.dayIndex(ann); day >= d {
			return day
		}
	}
}

// seatsAt is the contracted seats on day d: expansions add a fifth or more.
func (g *generator) seatsAt(pr profile, d int) int {
	if d >= pr.expandDay {
		return int(math.Round(float64(pr.seats) * 1.25))
	}
	return pr.seats
}

func (g *generator) mrrAt(pr profile, d int) float64 {
	if d >= pr.expandDay {
		return math.Round(pr.mrr*1.25/10) * 10
	}
	return pr.mrr
}

func (g *generator) alive(pr profile, d int) bool { return d >= pr.startDay && d < pr.churnDay }

// decline is how far into its decline an account is on day d: 0 before it
// starts, rising to 1 on the churn date.
func (g *generator) decline(pr profile, d int) float64 {
	if pr.churnDay == never {
		return 0
	}
	f := float64(d-(pr.churnDay-pr.declineDays)) / float64(pr.declineDays)
	if f <= 0 {
		return 0
	}
	return math.Min(f, 1)
}

// latent is the account's hidden health per day: its baseline, a slow
// random drift, occasional bad spells (healthy accounts have bad weeks too)
// and, for churners, the decline.
func (g *generator) latent(pr profile) []float64 {
	r := g.rng(pr.idx, streamLatent)
	x := make([]float64, historyDays)
	w, spell, spellLeft := 0.0, 0.0, 0
	for d := range x {
		w = 0.97*w + 0.06*r.NormFloat64()
		if spellLeft == 0 && r.Float64() < 1.0/150 {
			spellLeft, spell = 5+r.IntN(16), uniform(r, 0.4, 1.2)
		}
		s := 0.0
		if spellLeft > 0 {
			s = spell
			spellLeft--
		}
		x[d] = 0.55*pr.baseline + w - s - pr.declineDepth*g.decline(pr, d)
	}
	return x
}

func uniform(r *rand.Rand, lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// poisson draws a Poisson count (Knuth; fine for the small rates here).
func poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// meanOver averages x over days (d-n, d], clipped to the history.
func meanOver(x []float64, d, n int) float64 {
	sum, cnt := 0.0, 0
	for k := max(0, d-n+1); k <= d && k < len(x); k++ {
		sum += x[k]
		cnt++
	}
	if cnt == 0 {
		return 0
	}
	return sum / float64(cnt)
}
