package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// signals appends every signal of one account. Each metric reads the shared
// latent health x with its own noise, so metrics agree on the story but not
// on every day.
func (g *generator) signals(out []scoring.Observation, pr profile, x []float64) []scoring.Observation {
	emit := func(metric string, at time.Time, v float64) {
		out = append(out, scoring.Observation{AccountID: int64(pr.idx + 1), Metric: metric, ObservedAt: at, Value: v, Source: Source})
	}
	g.usage(emit, pr, x)
	g.adminAndSessions(emit, pr, x)
	g.engagement(emit, pr, x)
	g.messages(emit, pr, x)
	g.contract(emit, pr)
	return out
}

type emitFunc func(metric string, at time.Time, v float64)

// usage writes active_user_ratio (7-day active users over seats), seats_used
// (licences assigned) and weekly key_feature_adoption.
func (g *generator) usage(emit emitFunc, pr profile, x []float64) {
	spec := segments[pr.seg]
	ra, rs, rk := g.rng(pr.idx, streamActiveUsers), g.rng(pr.idx, streamSeats), g.rng(pr.idx, streamAdoption)
	util0 := clamp(0.82+0.07*pr.baseline+0.05*rs.NormFloat64(), 0.55, 1)
	util := util0
	adoption := -0.3 + 0.5*rk.NormFloat64() + 0.4*pr.baseline
	for d := range historyDays {
		noise := ra.NormFloat64()
		if rs.Float64() < 0.04 {
			util = clamp(util+0.1*(util0-util)+0.02*rs.NormFloat64(), 0.3, 1.1)
		}
		if !g.alive(pr, d) {
			continue
		}
		at := g.day(d)
		aur := clamp(sigmoid(0.9+spec.usageOffset+x[d])+0.035*noise, 0.01, 1)
		emit(MetricActiveUserRatio, at, aur*g.seasonAt(d))
		shed := 1 - 0.3*g.decline(pr, d)*math.Min(1, pr.declineDepth/1.2)
		emit(MetricSeatsUsed, at, math.Max(1, math.Round(float64(g.seatsAt(pr, d))*util*shed)))
		if at.Weekday() == time.Monday {
			v := clamp(sigmoid(adoption+0.8*meanOver(x, d, 7))+0.03*rk.NormFloat64(), 0, 1)
			emit(MetricKeyFeatureAdoption, at, v*g.seasonAt(d))
		}
	}
}

// adminAndSessions writes days_since_admin_seen (daily) and session_gap_days
// (weekly). Admins take holidays, so healthy accounts have quiet spells too.
func (g *generator) adminAndSessions(emit emitFunc, pr profile, x []float64) {
	r, rs := g.rng(pr.idx, streamAdmin), g.rng(pr.idx, streamSessions)
	holidays := map[int]bool{}
	for range 1 + r.IntN(2) {
		from, n := r.IntN(historyDays), 7+r.IntN(9)
		for k := from; k < from+n; k++ {
			holidays[k] = true
		}
	}
	since := 0
	for d := range historyDays {
		p := sigmoid(0.8 + 1.3*x[d])
		if wd := g.day(d).Weekday(); wd == time.Saturday || wd == time.Sunday {
			p *= 0.2
		}
		seen := r.Float64() < p && !holidays[d]
		gapNoise := rs.NormFloat64()
		if !g.alive(pr, d) {
			continue
		}
		if seen || d == max(pr.startDay, 0) {
			since = 0
		} else {
			since++
		}
		at := g.day(d)
		emit(MetricDaysSinceAdminSeen, at, float64(since))
		if at.Weekday() == time.Monday {
			gap := (1.2 + 5*(1-sigmoid(0.8+meanOver(x, d, 7)))) * math.Exp(0.12*gapNoise) / g.seasonAt(d)
			emit(MetricSessionGapDays, at, math.Round(gap*10)/10)
		}
	}
}

// engagement writes support_tickets (days with tickets only), csat (one row
// per survey) and quarterly nps.
func (g *generator) engagement(emit emitFunc, pr profile, x []float64) {
	spec := segments[pr.seg]
	rt, rc, rn := g.rng(pr.idx, streamTickets), g.rng(pr.idx, streamCSAT), g.rng(pr.idx, streamNPS)
	npsOffset := rn.IntN(21)
	for d := range historyDays {
		at := g.day(d)
		weekend := at.Weekday() == time.Saturday || at.Weekday() == time.Sunday
		rate := 0.012 * math.Sqrt(float64(g.seatsAt(pr, d))) * math.Exp(-0.35*x[d])
		if weekend {
			rate *= 0.2
		}
		tickets := poisson(rt, rate)
		survey, score := rc.Float64() < spec.csatPerDay && !weekend, 4.2+0.5*x[d]+0.8*rc.NormFloat64()
		minute := rc.IntN(8 * 60)
		if !g.alive(pr, d) {
			continue
		}
		if tickets > 0 {
			emit(MetricSupportTickets, at, float64(tickets))
		}
		if survey {
			emit(MetricCSAT, at.Add(9*time.Hour+time.Duration(minute)*time.Minute), clamp(math.Round(score), 1, 5))
		}
		if _, m, day := at.Date(); (m-2)%3 == 0 && day == 10 {
			g.nps(emit, pr, x, rn, d+npsOffset)
		}
	}
}

// nps writes one quarterly NPS answer on day d; a fifth of the time the
// account does not answer the survey.
func (g *generator) nps(emit emitFunc, pr profile, x []float64, r *rand.Rand, d int) {
	skip, noise := r.Float64() < 0.2, r.NormFloat64()
	if skip || d >= historyDays || !g.alive(pr, d) {
		return
	}
	v := clamp(math.Round(20+30*meanOver(x, d, 30)+15*noise), -100, 100)
	emit(MetricNPS, g.day(d).Add(14*time.Hour), v)
}

// messages writes customer_messages and first_response_minutes for accounts
// that share a chat channel with the vendor.
func (g *generator) messages(emit emitFunc, pr profile, x []float64) {
	if !pr.messaging {
		return
	}
	r := g.rng(pr.idx, streamMessages)
	for d := range historyDays {
		at := g.day(d)
		rate := 0.12 * math.Sqrt(float64(g.seatsAt(pr, d))) * math.Exp(0.5*x[d]) * g.seasonAt(d)
		if wd := at.Weekday(); wd == time.Saturday || wd == time.Sunday {
			rate *= 0.15
		}
		n := poisson(r, rate)
		resp := 35 * math.Exp(-0.15*x[d]+0.5*r.NormFloat64())
		if !g.alive(pr, d) {
			continue
		}
		emit(MetricCustomerMessages, at, float64(n))
		if n > 0 {
			emit(MetricFirstResponseMinutes, at, math.Round(resp*10)/10)
		}
	}
}

// contract writes monthly mrr, late_invoices (an invoice due on the 1st and
// paid over two weeks late) and weekly days_to_renewal.
func (g *generator) contract(emit emitFunc, pr profile) {
	r := g.rng(pr.idx, streamContract)
	for d := range historyDays {
		at := g.day(d)
		firstOfMonth := at.Day() == 1
		late := firstOfMonth && r.Float64() < g.lateRisk(pr, d)
		if !g.alive(pr, d) {
			continue
		}
		if firstOfMonth || d == max(pr.startDay, 0) {
			emit(MetricMRR, at, g.mrrAt(pr, d))
		}
		if late && d+15 < historyDays && g.alive(pr, d+15) {
			emit(MetricLateInvoices, g.day(d+15), 1)
		}
		if at.Weekday() == time.Monday {
			emit(MetricDaysToRenewal, at, float64(g.nextRenewal(pr, d)-d))
		}
	}
}

func (g *generator) lateRisk(pr profile, d int) float64 {
	p := 0.03 + 0.3*g.decline(pr, d)
	if pr.baseline < -1 {
		p += 0.04
	}
	return p
}
