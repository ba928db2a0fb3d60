package blocks

import (
	"math"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Point is one stored score for trends and charts.
type Point struct {
	AsOf  time.Time
	Value float64
	Band  scoring.Band
}

// Scored reports whether the point carries a score (not "not enough data").
func (p Point) Scored() bool { return p.Band != scoring.BandNone && p.Band != "" }

// MaxChartPoints is Slack's limit of data points per chart series.
const MaxChartPoints = 20

// Weekly samples a daily history (oldest first) into at most n weekly points
// ending at its newest scored point: for each week mark, the newest scored
// point at or before it and within the week before it. Oldest first.
func Weekly(history []Point, n int) []Point {
	var scored []Point
	for _, p := range history {
		if p.Scored() {
			scored = append(scored, p)
		}
	}
	if len(scored) == 0 || n <= 0 {
		return nil
	}
	out := make([]Point, 0, n)
	last := scored[len(scored)-1].AsOf
	i := len(scored) - 1
	for w := 0; w < n && i >= 0; w++ {
		mark := last.AddDate(0, 0, -7*w)
		for i >= 0 && scored[i].AsOf.After(mark) {
			i--
		}
		if i < 0 {
			break
		}
		if scored[i].AsOf.After(mark.AddDate(0, 0, -7)) {
			out = append(out, scored[i])
			i--
		}
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

var sparks = []rune("▁▂▃▄▅▆▇█")

// Sparkline draws 0–100 values on an absolute scale, so a flat high score
// looks high and a flat low one low.
func Sparkline(values []float64) string {
	var b strings.Builder
	for _, v := range values {
		i := int(math.Round(math.Max(0, math.Min(100, v)) / 100 * float64(len(sparks)-1)))
		b.WriteRune(sparks[i])
	}
	return b.String()
}

// SparklineText is the text fallback of a score chart:
// "`▅▆▆▇▆▅▃▂` 20 weeks · 71 → 34 · low 30 · high 75".
func SparklineText(points []Point) string {
	if len(points) == 0 {
		return ""
	}
	vals := make([]float64, len(points))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, p := range points {
		vals[i] = p.Value
		lo, hi = math.Min(lo, p.Value), math.Max(hi, p.Value)
	}
	return "`" + Sparkline(vals) + "` " + plural(len(points), "week") + " · " +
		Score(points[0].Value) + " → " + Score(points[len(points)-1].Value) +
		" · low " + Score(lo) + " · high " + Score(hi)
}

// LineChart is a Block Kit data-visualisation line chart of weekly scores,
// or nil when there are fewer than two points.
func LineChart(title string, points []Point) *slack.DataVisualizationBlock {
	if len(points) < 2 {
		return nil
	}
	if len(points) > MaxChartPoints {
		points = points[len(points)-MaxChartPoints:]
	}
	cats := make([]string, len(points))
	data := make([]slack.DataVisualizationDataPoint, len(points))
	for i, p := range points {
		cats[i] = p.AsOf.Format("Jan 2")
		if i > 0 && cats[i] == cats[i-1] { // a year apart: keep labels unique
			cats[i] = p.AsOf.Format("Jan 2 06")
		}
		data[i] = slack.NewDataVisualizationDataPoint(cats[i], math.Round(p.Value*10)/10)
	}
	axis := slack.NewDataVisualizationAxisConfig(cats...).WithYLabel("score")
	chart := slack.NewDataVisualizationLineChart(axis, slack.NewDataVisualizationDataSeries("Score", data...))
	return slack.NewDataVisualizationBlock(Truncate(title, 50), chart)
}
