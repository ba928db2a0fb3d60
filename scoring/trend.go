package scoring

import (
	"math"
	"slices"
	"strings"
	"time"
)

// SeriesPoint is one dated value of a score series.
type SeriesPoint struct {
	Date  time.Time `json:"date"`
	Value float64   `json:"value"`
	Band  Band      `json:"-"` // the point's band, when the series was built from scores
}

// Series turns scores into a date-sorted series, leaving out "not enough data".
func Series(scores []Score) []SeriesPoint {
	out := make([]SeriesPoint, 0, len(scores))
	for _, s := range scores {
		if s.HasScore() {
			out = append(out, SeriesPoint{Date: Day(s.AsOf), Value: s.Value, Band: s.Band})
		}
	}
	slices.SortStableFunc(out, func(a, b SeriesPoint) int { return a.Date.Compare(b.Date) })
	return out
}

// Daily lays the series out one value per day from..to (inclusive), NaN on
// days without a point — the input of Sparkline and charts.
func Daily(series []SeriesPoint, from, to time.Time) []float64 {
	from, to = Day(from), Day(to)
	n := int(to.Sub(from).Hours()/24) + 1
	if n <= 0 {
		return nil
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	for _, p := range series {
		if i := int(Day(p.Date).Sub(from).Hours() / 24); i >= 0 && i < n {
			out[i] = p.Value
		}
	}
	return out
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws values as ▁▂▃▄▅▆▇█ scaled between their min and max;
// NaN draws a space. A flat series draws mid-height bars.
func Sparkline(values []float64) string {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if !math.IsNaN(v) {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	return SparklineRange(values, lo, hi)
}

// SparklineRange draws values on a fixed scale, e.g. 0–100 for scores, so
// that a small wobble does not look like a crash.
func SparklineRange(values []float64, lo, hi float64) string {
	var b strings.Builder
	for _, v := range values {
		switch {
		case math.IsNaN(v):
			b.WriteRune(' ')
		case !(hi > lo):
			b.WriteRune(sparks[len(sparks)/2-1])
		default:
			f := (math.Min(hi, math.Max(lo, v)) - lo) / (hi - lo)
			b.WriteRune(sparks[min(len(sparks)-1, int(f*float64(len(sparks))))])
		}
	}
	return b.String()
}
