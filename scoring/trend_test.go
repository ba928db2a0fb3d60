package scoring

import (
	"math"
	"testing"
	"time"
)

func day(n int) time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

func TestTrendDeltas(t *testing.T) {
	t.Parallel()
	// Daily scores 40..69 over days 0..29, day 10 not enough data, days 20–22 missing.
	var scores []Score
	for d := 29; d >= 0; d-- { // out of order on purpose
		if d >= 20 && d <= 22 {
			continue
		}
		s := Score{AccountID: 1, AsOf: day(d).Add(5 * time.Hour), Value: float64(40 + d), Band: BandYellow}
		if d == 10 {
			s.Band, s.Value = BandNone, 0
		}
		scores = append(scores, s)
	}
	series := Series(scores)
	if len(series) != 26 || !series[0].Date.Equal(day(0)) {
		t.Fatalf("series has %d points from %v", len(series), series[0].Date)
	}
	tests := []struct {
		name       string
		at         time.Time
		days       int
		want       float64
		ok         bool
		wantNow    float64
		nowPresent bool
	}{
		{"7 days", day(19), 7, 7, true, 59, true},
		{"28 days", day(29), 28, 28, true, 69, true},
		{"baseline in the gap: newest point before it", day(29), 7, 69 - 59, true, 69, true}, // then = day 22 → day 19
		{"now missing: use the day before", day(30), 7, 69 - 63, true, 69, true},             // now = day 29, then = day 23
		{"baseline in a 3-day gap", day(24), 2, 64 - 59, true, 64, true},                     // then = day 22 → day 19
		{"baseline only a not-enough-data day", day(17), 7, 57 - 49, true, 57, true},         // day 10 skipped → day 9
		{"baseline before history", day(5), 7, 0, false, 45, true},
		{"now too far after the last point", day(40), 7, 0, false, 0, false},
	}
	for _, tc := range tests {
		got, ok := Delta(series, tc.at, tc.days)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: Delta = %v, %v; want %v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if now, ok := ScoreAt(series, tc.at); now != tc.wantNow || ok != tc.nowPresent {
			t.Errorf("%s: ScoreAt = %v, %v; want %v, %v", tc.name, now, ok, tc.wantNow, tc.nowPresent)
		}
	}
	tr := TrendAt(series, day(29))
	if tr != (Trend{Now: 69, HasNow: true, Delta7: 10, Has7: true, Delta28: 28, Has28: true}) {
		t.Fatalf("TrendAt = %+v", tr)
	}
}

func TestDailyAndSparkline(t *testing.T) {
	t.Parallel()
	series := []SeriesPoint{{Date: day(0), Value: 10}, {Date: day(1), Value: 90}, {Date: day(3), Value: 50}}
	daily := Daily(series, day(0), day(4))
	if len(daily) != 5 || daily[0] != 10 || daily[1] != 90 || !math.IsNaN(daily[2]) || daily[3] != 50 || !math.IsNaN(daily[4]) {
		t.Fatalf("Daily = %v", daily)
	}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"auto range", Sparkline([]float64{0, 1, 2, 3, 4, 5, 6, 7}), "▁▂▃▄▅▆▇█"},
		{"gaps are spaces", Sparkline(daily), "▁█ ▅ "},
		{"flat", Sparkline([]float64{5, 5, 5}), "▄▄▄"},
		{"fixed 0–100 scale", SparklineRange([]float64{0, 49, 50, 100, 150}, 0, 100), "▁▄▅██"},
		{"empty", Sparkline(nil), ""},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}
