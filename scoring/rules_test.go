package scoring

import (
	"testing"
	"time"
)

func TestScoreAtTakesAPointFewerThanAWeekOld(t *testing.T) {
	t.Parallel()
	series := []SeriesPoint{{Date: day(0), Value: 50}, {Date: day(10), Value: 60}}
	tests := []struct {
		at   int
		want float64
		ok   bool
	}{
		{-1, 0, false}, // before the history
		{0, 50, true},
		{6, 50, true},  // six days old still stands for the day
		{7, 0, false},  // a week old does not
		{10, 60, true}, // the day itself
		{16, 60, true}, // six days
		{17, 0, false}, // seven
	}
	for _, tc := range tests {
		got, ok := ScoreAt(series, day(tc.at))
		if got != tc.want || ok != tc.ok {
			t.Errorf("ScoreAt(day %d) = %v, %v; want %v, %v", tc.at, got, ok, tc.want, tc.ok)
		}
	}
}

func TestScoredIsARealBand(t *testing.T) {
	t.Parallel()
	for b, want := range map[Band]bool{BandGreen: true, BandYellow: true, BandRed: true, BandNone: false, "": false} {
		if Scored(b) != want || (Score{Band: b}).HasScore() != want {
			t.Errorf("Scored(%q) = %v, want %v", b, Scored(b), want)
		}
	}
}

func TestAtRiskIsRedOrYellowFallingFast(t *testing.T) {
	t.Parallel()
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		band  Band
		delta *float64
		want  bool
	}{
		{BandRed, nil, true},
		{BandRed, f(5), true},
		{BandYellow, f(-AtRiskDrop), true},
		{BandYellow, f(-AtRiskDrop + 0.1), false},
		{BandYellow, nil, false},
		{BandGreen, f(-40), false},
		{BandNone, f(-40), false},
	}
	for _, tc := range tests {
		if got := AtRisk(tc.band, tc.delta); got != tc.want {
			t.Errorf("AtRisk(%s, %v) = %v, want %v", tc.band, tc.delta, got, tc.want)
		}
	}
}

func TestRenewalAtRiskIsRedOrYellowRenewingWithinTheWindow(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 2, 15, 30, 0, 0, time.UTC) // a time of day must not matter
	tests := []struct {
		name   string
		band   Band
		inDays int
		want   bool
	}{
		{"red today", BandRed, 0, true},
		{"yellow on the last day", BandYellow, 90, true},
		{"yellow a day late", BandYellow, 91, false},
		{"red yesterday", BandRed, -1, false},
		{"green", BandGreen, 10, false},
		{"not enough data", BandNone, 10, false},
	}
	for _, tc := range tests {
		renewal := Day(today).AddDate(0, 0, tc.inDays)
		if got := RenewalAtRisk(tc.band, renewal, today, DefaultRenewalDays); got != tc.want {
			t.Errorf("%s: RenewalAtRisk = %v, want %v", tc.name, got, tc.want)
		}
	}
	if RenewalAtRisk(BandRed, time.Time{}, today, DefaultRenewalDays) {
		t.Error("an account without a renewal date renews")
	}
}

func TestMoversCountsHalfAPointAndRanksLargestFirst(t *testing.T) {
	t.Parallel()
	type m struct {
		id int
		d  float64
	}
	items := []m{{1, -0.49}, {2, -0.5}, {3, 0.5}, {4, -12}, {5, 3}, {6, -12}, {7, 0.49}, {8, 9}, {9, 9}}
	down, up := Movers(items, func(x m) (float64, bool) { return x.d, true }, 2)
	if len(down) != 2 || down[0].id != 4 || down[1].id != 6 {
		t.Errorf("down = %v, want ids 4, 6 (ties keep order)", down)
	}
	if len(up) != 2 || up[0].id != 8 || up[1].id != 9 {
		t.Errorf("up = %v, want ids 8, 9 (ties keep order)", up)
	}
	all, _ := Movers(items, func(x m) (float64, bool) { return x.d, true }, 10)
	if len(all) != 3 || all[2].id != 2 {
		t.Errorf("drops = %v, want 4, 6, 2: −0.5 moves, −0.49 does not", all)
	}
}
