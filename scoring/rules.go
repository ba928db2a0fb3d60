package scoring

import (
	"cmp"
	"slices"
	"time"
)

// The named rules every surface asks about an account's score: what counts
// as scored, the score N days ago, the 7- and 28-day trend, at risk, renewal
// at risk and a move. Each has its one definition here; SQL that applies one
// (store's current-state refresh, the question tools' filters) takes its
// windows and thresholds as parameters from these constants, and a store test
// checks that SQL against these functions.

// Scored reports whether a band is a real score, not "not enough data" (or
// no row at all).
func Scored(b Band) bool { return b == BandGreen || b == BandYellow || b == BandRed }

// HasScore reports whether there was enough data to score.
func (s Score) HasScore() bool { return Scored(s.Band) }

// ScoreAtMaxAgeDays bounds how old a scored point may be and still stand for
// a day: a point on the day or fewer than this many days before it. A week,
// so that skipped scoring runs do not erase a trend, while a point from
// another week never does.
const ScoreAtMaxAgeDays = 7

// The windows of the two deltas every surface shows.
const (
	ShortDeltaDays = 7
	LongDeltaDays  = 28
)

// ScoreAt is "the score on day": the newest scored point on or before day
// and fewer than ScoreAtMaxAgeDays days before it. The series must be sorted
// by date (Series does that) and holds scored points only.
func ScoreAt(series []SeriesPoint, day time.Time) (float64, bool) {
	p, ok := PointAt(series, day)
	return p.Value, ok
}

// PointAt is the point ScoreAt reads.
func PointAt(series []SeriesPoint, day time.Time) (SeriesPoint, bool) {
	d := Day(day)
	i, found := slices.BinarySearchFunc(series, d, func(p SeriesPoint, t time.Time) int { return cmp.Compare(Day(p.Date).Unix(), t.Unix()) })
	if found {
		for i+1 < len(series) && Day(series[i+1].Date).Equal(d) { // the last of equal dates wins
			i++
		}
		return series[i], true
	}
	if i == 0 {
		return SeriesPoint{}, false
	}
	p := series[i-1]
	if d.Sub(Day(p.Date)) >= ScoreAtMaxAgeDays*24*time.Hour {
		return SeriesPoint{}, false
	}
	return p, true
}

// Delta is ScoreAt(asOf) minus ScoreAt(asOf − days); ok is false when either
// is missing.
func Delta(series []SeriesPoint, asOf time.Time, days int) (float64, bool) {
	now, ok1 := ScoreAt(series, asOf)
	then, ok2 := ScoreAt(series, Day(asOf).AddDate(0, 0, -days))
	if !ok1 || !ok2 {
		return 0, false
	}
	return now - then, true
}

// Trend is a score now and its change against ShortDeltaDays and
// LongDeltaDays before.
type Trend struct {
	Now     float64
	HasNow  bool
	Delta7  float64 // Now − ScoreAt(asOf − ShortDeltaDays)
	Has7    bool
	Delta28 float64 // Now − ScoreAt(asOf − LongDeltaDays)
	Has28   bool
}

// TrendAt reads the trend at asOf from a date-sorted series.
func TrendAt(series []SeriesPoint, asOf time.Time) Trend {
	var t Trend
	t.Now, t.HasNow = ScoreAt(series, asOf)
	t.Delta7, t.Has7 = Delta(series, asOf, ShortDeltaDays)
	t.Delta28, t.Has28 = Delta(series, asOf, LongDeltaDays)
	return t
}

// AtRiskDrop is the LongDeltaDays drop that puts a yellow account at risk.
const AtRiskDrop = 10.0

// AtRisk is the one meaning of "at risk": red, or yellow and down at least
// AtRiskDrop points over LongDeltaDays. delta28 is nil when there is no
// score LongDeltaDays before.
func AtRisk(band Band, delta28 *float64) bool {
	return band == BandRed || (band == BandYellow && delta28 != nil && *delta28 <= -AtRiskDrop)
}

// DefaultRenewalDays is how far ahead a renewal counts as coming up when
// nobody says otherwise.
const DefaultRenewalDays = 90

// RenewsWithin says whether a renewal falls between today and days ahead
// (both days included), and in how many days. A zero date never renews.
func RenewsWithin(renewal, today time.Time, days int) (int, bool) {
	if renewal.IsZero() {
		return 0, false
	}
	in := int(Day(renewal).Sub(Day(today)).Hours() / 24)
	return in, in >= 0 && in <= days
}

// RenewalAtRisk is the one meaning of "renewal at risk": the account renews
// within days of today and its score is red or yellow. An account without a
// score is not counted: nothing says it is at risk.
func RenewalAtRisk(band Band, renewal, today time.Time, days int) bool {
	_, soon := RenewsWithin(renewal, today, days)
	return soon && Scored(band) && band != BandGreen
}

// MoveMin is the smallest change that counts as a move: half a point, so it
// shows as at least one whole point and a list of movers never shows
// "59 → 59 (± 0)".
const MoveMin = 0.5

// Moved says whether a score change counts as a move, and which way: −1, 0
// or +1. The digest, /health movers and the question tools all ask here
// (SQL with MoveMin as a parameter).
func Moved(delta float64) int {
	switch {
	case delta <= -MoveMin:
		return -1
	case delta >= MoveMin:
		return 1
	}
	return 0
}

// Movers picks the biggest drops and rises out of items, at most n each,
// largest first; delta says an item's change (ok false: no change known).
// Ties keep the items' order.
func Movers[T any](items []T, delta func(T) (float64, bool), n int) (down, up []T) {
	// Rank (delta, position) pairs rather than the items themselves: a
	// digest ranks thousands of accounts, and moving small pairs in an
	// unstable sort with the position as the tie-break is several times
	// cheaper than a stable sort of large structs.
	type moved struct {
		d float64
		i int
	}
	var downs, ups []moved
	for i, it := range items {
		d, ok := delta(it)
		if !ok {
			continue
		}
		switch Moved(d) {
		case -1:
			downs = append(downs, moved{d, i})
		case 1:
			ups = append(ups, moved{-d, i})
		}
	}
	pick := func(ms []moved) []T {
		if ms == nil {
			return nil // as no item moved that way
		}
		slices.SortFunc(ms, func(a, b moved) int { return cmp.Or(cmp.Compare(a.d, b.d), cmp.Compare(a.i, b.i)) })
		out := make([]T, 0, min(n, len(ms)))
		for _, m := range ms[:min(n, len(ms))] {
			out = append(out, items[m.i])
		}
		return out
	}
	return pick(downs), pick(ups)
}

// Keys more than one layer spells: one constant each.
const (
	// MetricActiveUserRatio is the signal key of the share of seats active,
	// read by the catalog, the alerts' usage change, the rollup and the demo.
	MetricActiveUserRatio = "active_user_ratio"
	// SupersededSummary is the summary of an alert resolved because a newer
	// one of the same rule replaced it (e.g. after a new renewal date).
	SupersededSummary = "superseded"
)
