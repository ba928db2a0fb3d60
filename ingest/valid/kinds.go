package valid

import (
	"fmt"
	"math"

	"github.com/healthbot/healthbot/scoring"
)

// The ranges of signals whose kind is known. Each is wide enough that no
// legitimate value falls outside (a CSAT of any common scale, 1–5 to 0–100,
// is within 0–100; days to a renewal may be negative once it has passed)
// and narrow enough that a value outside is a sender's mistake: an active-
// user ratio of 85 (a percentage sent as a ratio) or a negative ticket count.
var (
	Ratio    = Kind{Name: "a ratio", Min: 0, Max: 1}
	Count    = Kind{Name: "a count", Min: 0, Max: MaxSignal}
	Amount   = Kind{Name: "an amount", Min: 0, Max: MaxSignal}
	Duration = Kind{Name: "a duration", Min: 0, Max: MaxSignal}
	Days     = Kind{Name: "a number of days", Min: -maxDays, Max: maxDays}
	NPS      = Kind{Name: "an NPS", Min: -100, Max: 100}
	CSAT     = Kind{Name: "a CSAT score", Min: 0, Max: 100}
	Rating   = Kind{Name: "a pulse rating", Min: scoring.PulseValuePoor, Max: scoring.PulseValueHealthy, Whole: true}
)

// maxDays is a century either way.
const maxDays = 36_600

// kindByUnit is the kind of a signal a metric reads as it is (latest, sum,
// mean), from the metric's unit. A change or days-since metric's unit
// describes its feature, not the signal, and a plain score has no scale
// of its own, so those signals are known by name only (kindByName).
var kindByUnit = map[string]Kind{
	scoring.UnitRatio:    Ratio,
	scoring.UnitCount:    Count,
	scoring.UnitCurrency: Amount,
	scoring.UnitMinutes:  Duration,
	scoring.UnitDays:     Days,
	scoring.UnitRating:   Rating,
}

// kindByName is the kind of the built-in catalog's signals whose meaning
// is fixed whatever metric reads them.
var kindByName = map[string]Kind{
	"nps":        NPS,
	"csat":       CSAT,
	"pulse":      Rating,
	"seats_used": Count,
	"mrr":        Amount,
	// A logged touchpoint (#17 timeline) is one observation of 1; the
	// days_since_touchpoint metric reads when the last one was.
	"touchpoint": Count,
}

// Kinds is the kind of each signal (by metric name) whose kind is known;
// a signal not in it takes the Signal range (±1e15).
type Kinds map[string]Kind

// KindsOf is the kind of every signal the catalog reads and knows the kind
// of: the built-in metrics and the metrics a person declared. A metric
// discovered in the data, or written into a scorecard by calibration (its
// direction learned), has a unit guessed from the values seen so far; a
// guess must not refuse tomorrow's legitimate value (a "ratio" that was
// only ever below 1), so its signal keeps the Signal range. Two metrics
// reading one signal as different kinds widen its range to both.
func KindsOf(c scoring.Catalog) Kinds {
	out := Kinds{}
	builtin := map[string]bool{}
	for _, m := range scoring.DefaultCatalog().Metrics() {
		builtin[m.Key] = true
	}
	for _, m := range c.Metrics() {
		signal := m.SignalKey()
		k, ok := kindByName[signal]
		guessed := m.Origin == scoring.OriginDiscovered ||
			(m.DirectionFrom == scoring.DirectionLearned && !builtin[m.Key])
		if !ok && !guessed {
			switch m.Feature {
			case scoring.FeatureLatest, scoring.FeatureSum, scoring.FeatureMean:
				k, ok = kindByUnit[m.Unit]
			}
		}
		if !ok {
			continue
		}
		if prev, seen := out[signal]; seen && prev != k {
			k = Kind{Name: prev.Name + " or " + k.Name, Min: math.Min(prev.Min, k.Min), Max: math.Max(prev.Max, k.Max),
				Whole: prev.Whole && k.Whole}
		}
		out[signal] = k
	}
	return out
}

// BuiltinKinds is KindsOf the built-in catalog.
func BuiltinKinds() Kinds { return KindsOf(scoring.DefaultCatalog()) }

// For is the range a value of metric must be in.
func (ks Kinds) For(metric string) Kind {
	if k, ok := ks[metric]; ok {
		return k
	}
	return Signal
}

// SignalValue checks a value of metric against its kind's range; the
// problem names the kind and the range ("must be between 0 and 1 for a
// ratio (active_user_ratio)").
func (ks Kinds) SignalValue(metric string, v float64) string {
	k, known := ks[metric]
	if !known {
		return Number(Signal, v)
	}
	if p := Number(k, v); p != "" {
		return fmt.Sprintf("%s for %s (%s)", p, k.Name, metric)
	}
	return ""
}
