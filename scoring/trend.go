package scoring

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// SeriesPoint is one dated value of a score series.
type SeriesPoint struct {
	Date  time.Time `json:"date"`
	Value float64   `json:"value"`
}

// DeltaToleranceDays is how far before the wanted day a point may lie and
// still stand for it (a skipped scoring run should not erase the trend).
const DeltaToleranceDays = 3

// Series turns scores into a date-sorted series, leaving out "not enough data".
func Series(scores []Score) []SeriesPoint {
	out := make([]SeriesPoint, 0, len(scores))
	for _, s := range scores {
		if s.HasScore() {
			out = append(out, SeriesPoint{Date: Day(s.AsOf), Value: s.Value})
		}
	}
	slices.SortStableFunc(out, func(a, b SeriesPoint) int { return a.Date.Compare(b.Date) })
	return out
}

// Trend is a score now and its change against 7 and 28 days before.
type Trend struct {
	Now     float64
	HasNow  bool
	Delta7  float64 // Now − score 7 days before
	Has7    bool
	Delta28 float64
	Has28   bool
}

// TrendAt reads the trend at asOf from a date-sorted series.
func TrendAt(series []SeriesPoint, asOf time.Time) Trend {
	var t Trend
	t.Now, t.HasNow = ValueAt(series, asOf)
	t.Delta7, t.Has7 = Delta(series, asOf, 7)
	t.Delta28, t.Has28 = Delta(series, asOf, 28)
	return t
}

// Delta is the value at asOf minus the value days earlier; ok is false
// when either end has no point within DeltaToleranceDays before it.
func Delta(series []SeriesPoint, asOf time.Time, days int) (float64, bool) {
	now, ok1 := ValueAt(series, asOf)
	then, ok2 := ValueAt(series, Day(asOf).AddDate(0, 0, -days))
	if !ok1 || !ok2 {
		return 0, false
	}
	return now - then, true
}

// ValueAt is the newest point on or before day, if it is at most
// DeltaToleranceDays older. The series must be sorted by date.
func ValueAt(series []SeriesPoint, day time.Time) (float64, bool) {
	d := Day(day)
	i, found := slices.BinarySearchFunc(series, d, func(p SeriesPoint, t time.Time) int { return cmp.Compare(Day(p.Date).Unix(), t.Unix()) })
	if found {
		for i+1 < len(series) && Day(series[i+1].Date).Equal(d) { // the last of equal dates wins
			i++
		}
		return series[i].Value, true
	}
	if i == 0 {
		return 0, false
	}
	p := series[i-1]
	if d.Sub(Day(p.Date)) > DeltaToleranceDays*24*time.Hour {
		return 0, false
	}
	return p.Value, true
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
