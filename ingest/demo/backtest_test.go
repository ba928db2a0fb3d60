package demo

import (
	"sort"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// feature is one input of the plain reference score used to check the
// portfolio's difficulty: a summary of one metric at T and its direction.
type feature struct {
	metric  string
	window  int // days
	higher  bool
	summary func(obs []scoring.Observation) float64
}

func meanOf(obs []scoring.Observation) float64 {
	sum := 0.0
	for _, o := range obs {
		sum += o.Value
	}
	return sum / float64(len(obs))
}

func latestOf(obs []scoring.Observation) float64 { return obs[len(obs)-1].Value }

func sumOf(obs []scoring.Observation) float64 { return meanOf(obs) * float64(len(obs)) }

var referenceFeatures = []feature{
	{MetricActiveUserRatio, 28, true, meanOf},
	{MetricKeyFeatureAdoption, 28, true, meanOf},
	{MetricDaysSinceAdminSeen, 7, false, latestOf},
	{MetricSessionGapDays, 28, false, meanOf},
	{MetricCSAT, 90, true, meanOf},
	{MetricSupportTickets, 28, false, sumOf},
}

// backtestAUC scores every live account at month-ends with the mean of its
// segment percentiles (plus the last pulse) and returns the AUC for churn
// within horizon days.
func backtestAUC(p *Portfolio, ix *index, horizon int) float64 {
	var pos, neg []float64
	start := p.AsOf.AddDate(0, 0, -historyDays)
	for T := monthEnd(start.AddDate(0, 3, 0)); !T.AddDate(0, 0, horizon).After(p.AsOf); T = monthEnd(T.AddDate(0, 0, 1)) {
		scores := referenceScores(p, ix, T)
		for id, s := range scores {
			c := p.Accounts[id-1].ChurnedAt
			if !c.IsZero() && !c.After(T.AddDate(0, 0, horizon)) {
				pos = append(pos, s)
			} else {
				neg = append(neg, s)
			}
		}
	}
	return auc(pos, neg)
}

func monthEnd(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

// referenceScores returns a 0–100 score per live account at T; higher is
// healthier.
func referenceScores(p *Portfolio, ix *index, T time.Time) map[int64]float64 {
	type val struct {
		id  int64
		seg string
		v   float64
	}
	sum, n := map[int64]float64{}, map[int64]float64{}
	for _, f := range referenceFeatures {
		var vals []val
		for i, a := range p.Accounts {
			if !a.AliveAt(T) || a.StartedAt.After(T.AddDate(0, 0, -30)) {
				continue
			}
			id := int64(i + 1)
			var obs []scoring.Observation
			for _, o := range ix.series[id][f.metric] {
				if o.ObservedAt.After(T.AddDate(0, 0, -f.window)) && !o.ObservedAt.After(T) {
					obs = append(obs, o)
				}
			}
			v := 0.0
			if len(obs) > 0 {
				v = f.summary(obs)
			} else if f.metric != MetricSupportTickets {
				continue
			}
			vals = append(vals, val{id, a.Segment, v})
		}
		for _, x := range vals {
			below, equal, peers := 0, 0, 0
			for _, y := range vals {
				if y.seg != x.seg {
					continue
				}
				peers++
				switch {
				case y.v < x.v:
					below++
				case y.v == x.v:
					equal++
				}
			}
			pct := 100 * (float64(below) + 0.5*float64(equal)) / float64(peers)
			if !f.higher {
				pct = 100 - pct
			}
			sum[x.id] += pct
			n[x.id]++
		}
	}
	for i, a := range p.Accounts {
		id := int64(i + 1)
		if n[id] == 0 {
			continue
		}
		var last *scoring.Pulse
		for k := range ix.pulses[id] {
			if pu := ix.pulses[id][k]; !pu.AnsweredAt.After(T) && pu.AnsweredAt.After(T.AddDate(0, 0, -21)) {
				last = &ix.pulses[id][k]
			}
		}
		if last != nil {
			sum[id] += map[scoring.Rating]float64{scoring.RatingHealthy: 90, scoring.RatingConcerning: 50, scoring.RatingPoor: 10}[last.Rating]
			n[id]++
		}
		_ = a
	}
	out := map[int64]float64{}
	for id := range sum {
		out[id] = sum[id] / n[id]
	}
	return out
}

// auc is the probability a churner scores below a non-churner (ties half).
func auc(pos, neg []float64) float64 {
	sort.Float64s(neg)
	total := 0.0
	for _, s := range pos {
		lo := sort.SearchFloat64s(neg, s)
		hi := sort.Search(len(neg), func(i int) bool { return neg[i] > s })
		total += float64(len(neg)-hi) + 0.5*float64(hi-lo)
	}
	return total / float64(len(pos)*len(neg))
}
