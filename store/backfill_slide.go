package store

import (
	"math"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// slider computes one (account, signal) group's features at every as-of
// time of a backfill, with cursors that only move forward: each
// observation enters and leaves each window once, so a group costs its
// observations plus its days, not their product. It follows
// scoring.FeatureOf exactly (windows (T−w, T], the largest value at the
// newest time); sums slide with compensated addition, so an observation
// leaving a window leaves no rounding behind in the next sum.
type slider struct {
	p    *featurePlan
	ends []int64   // the as-of times, Unix microseconds
	ts   []int64   // the group's observation times, ascending, Unix microseconds
	vs   []float64 // their values
	upto []int     // per as-of time: how many observations lie at or before it
	pos  []int64   // times of the observations > 0 (days_since)
}

const dayMicros = int64(24 * time.Hour / time.Microsecond)

func newSlider(p *featurePlan, asOfs []time.Time) *slider {
	w := &slider{p: p, ends: make([]int64, len(asOfs)), upto: make([]int, len(asOfs))}
	for i, t := range asOfs {
		w.ends[i] = t.UnixMicro()
	}
	return w
}

// run computes the group's features of metrics (indexes into the plan's
// metrics) at every as-of time into out.
func (w *slider) run(metrics []int, out parkSlots) {
	n := 0
	for d, e := range w.ends {
		n = advance(w.ts, n, e)
		w.upto[d] = n
	}
	w.pos = w.pos[:0]
	for _, i := range metrics {
		m := w.p.metrics[i]
		if m.Feature == scoring.FeatureDaysSince && len(w.pos) == 0 {
			for j, v := range w.vs {
				if v > 0 {
					w.pos = append(w.pos, w.ts[j])
				}
			}
		}
		w.metric(m, i, out)
	}
}

// advance moves cursor pos past every time at or before bound.
func advance(ts []int64, pos int, bound int64) int {
	for pos < len(ts) && ts[pos] <= bound {
		pos++
	}
	return pos
}

// point is the value at the newest time among the first n observations:
// the largest of those at that time.
func (w *slider) point(n int) float64 {
	t, v := w.ts[n-1], w.vs[n-1]
	for j := n - 2; j >= 0 && w.ts[j] == t; j-- {
		if w.vs[j] > v {
			v = w.vs[j]
		}
	}
	return v
}

// days is a span in microseconds as Features states ages: Duration.Hours()/24.
func days(micros int64) float64 {
	return (time.Duration(micros) * time.Microsecond).Hours() / 24
}

func (w *slider) metric(m scoring.Metric, mi int, out parkSlots) {
	lookback := int64(scoring.LookbackDays(m)) * dayMicros
	win := int64(m.WindowDays) * dayMicros
	put := func(d int, v float64, newest int64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		out.set(d, mi, roundSig(v, featureDigits), days(w.ends[d]-newest))
	}
	var (
		lo, hi, then, pos int
		sum               ksum
	)
	for d, e := range w.ends {
		n := w.upto[d]
		if n == 0 || w.ts[n-1] <= e-lookback {
			if m.Feature == scoring.FeatureSum || m.Feature == scoring.FeatureMean {
				lo, hi, sum = n, n, ksum{} // the window is empty: start it afresh here
			}
			continue
		}
		newest := w.ts[n-1]
		switch m.Feature {
		case scoring.FeatureLatest:
			put(d, w.point(n), newest)
		case scoring.FeatureSum, scoring.FeatureMean:
			for ; hi < n; hi++ {
				sum.add(w.vs[hi])
			}
			for ; lo < hi && w.ts[lo] <= e-win; lo++ {
				sum.add(-w.vs[lo])
			}
			v := sum.total()
			if m.Feature == scoring.FeatureMean {
				v /= float64(hi - lo)
			}
			put(d, v, newest)
		case scoring.FeatureChange:
			then = advance(w.ts, then, e-win)
			if newest <= e-win || then == 0 || w.ts[then-1] <= e-2*win {
				continue // no now, or no then
			}
			if v, ok := scoring.RelativeChange(w.point(n), w.point(then)); ok {
				put(d, v, newest)
			}
		case scoring.FeatureDaysSince:
			pos = advance(w.pos, pos, e)
			v := float64(m.WindowDays)
			if pos > 0 && w.pos[pos-1] > e-win {
				v = days(e - w.pos[pos-1])
			}
			put(d, v, newest)
		}
	}
}

// ksum is a compensated (Neumaier) running sum: adding and taking away
// values of very different sizes keeps the small ones' digits.
type ksum struct{ s, c float64 }

func (k *ksum) add(x float64) {
	t := k.s + x
	if math.Abs(k.s) >= math.Abs(x) {
		k.c += (k.s - t) + x
	} else {
		k.c += (x - t) + k.s
	}
	k.s = t
}

func (k ksum) total() float64 { return k.s + k.c }
