package scoring

import (
	"testing"
)

// wordsPortfolio: 25 Enterprise accounts on the default scorecard; account
// 1 has 10 % active users with 40 seats, tied with account 2 and above two
// others: (2 + ½·2) / 25 = 12th percentile.
func wordsPortfolio() Input {
	in := Input{AsOf: asOf, Features: FeatureSet{}, Scorecards: DefaultScorecards()}
	for id := int64(1); id <= 25; id++ {
		a := account(id, "Enterprise")
		ratio := 0.5
		switch id {
		case 1, 2:
			ratio = 0.1
		case 3, 4:
			ratio = 0.05
		}
		if id == 1 {
			a.Seats = 40
		}
		in.Accounts = append(in.Accounts, a)
		in.Features[id] = map[string]FeatureValue{
			"active_user_ratio": {Value: ratio},
			"pulse":             {Value: PulseValueConcerning, AgeDays: 22},
		}
	}
	lonely := account(26, "Startup") // a segment of one: ranked against everyone
	in.Accounts = append(in.Accounts, lonely)
	in.Features[26] = map[string]FeatureValue{"active_user_ratio": {Value: 0.9}, "days_since_admin_seen": {Value: 45}}
	return in
}

func TestDriverWords(t *testing.T) {
	t.Parallel()
	scores := Compute(wordsPortfolio())
	tests := []struct {
		id     int64
		metric string
		want   string
	}{
		{1, "active_user_ratio", "Active users: 12th percentile of Enterprise peers — 10% of seats active (4 of 40 seats)"},
		{2, "active_user_ratio", "Active users: 12th percentile of Enterprise peers — 10% of seats active"},
		{1, "pulse", "CSM pulse: rated Concerning (22 days ago, counts at 50%)"},
		{26, "active_user_ratio", "Active users: 98th percentile of all accounts — 90% of seats active"},
		{26, "days_since_admin_seen", "Admin activity: 50th percentile of all accounts — admin last seen 45 days ago"},
	}
	for _, tc := range tests {
		if got := driver(t, scoreOf(t, scores, tc.id), tc.metric).Words(); got != tc.want {
			t.Errorf("account %d %s:\n got %q\nwant %q", tc.id, tc.metric, got, tc.want)
		}
	}
}

func TestDriversSortedMostNegativeFirst(t *testing.T) {
	t.Parallel()
	s := scoreOf(t, setup(t).run(), 4) // the worst account: every driver negative
	for i := 1; i < len(s.Drivers); i++ {
		if s.Drivers[i-1].Contribution > s.Drivers[i].Contribution {
			t.Fatalf("drivers out of order: %+v", s.Drivers)
		}
	}
	ds := []Contribution{{Metric: "a", Contribution: 3}, {Metric: "b", Contribution: -5}, {Metric: "c", Contribution: 0},
		{Metric: "d", Contribution: -1}, {Metric: "e", Contribution: 7}}
	if got := keys(Negative(ds, 0)); got != "b d" {
		t.Errorf("Negative = %s, want b d", got)
	}
	if got := keys(Positive(ds, 1)); got != "e" {
		t.Errorf("Positive(1) = %s, want e", got)
	}
}

func keys(cs []Contribution) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += " "
		}
		s += c.Metric
	}
	return s
}

func TestFormatValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unit string
		v    float64
		want string
	}{
		{UnitRatio, 0.1, "10%"},
		{UnitRatio, 0.125, "13%"},
		{UnitChange, -0.2, "−20%"},
		{UnitChange, 0.123, "+12%"},
		{UnitChange, 0.001, "unchanged"},
		{UnitDays, 1, "1 day"},
		{UnitDays, 12, "12 days"},
		{UnitDays, 2.5, "2.5 days"},
		{UnitCount, 1234.4, "1,234"},
		{UnitCurrency, 1200, "$1,200"},
		{UnitCurrency, -50, "−$50"},
		{UnitMinutes, 45, "45 min"},
		{UnitMinutes, 150, "2.5 h"},
		{UnitMinutes, 4320, "3 days"},
		{UnitScore, -20, "−20"},
		{UnitScore, 4.25, "4.3"},
		{UnitRating, 2, "Healthy"},
		{UnitRating, 0, "Poor"},
		{"", 3.0, "3"},
	}
	for _, tc := range tests {
		if got := FormatValue(tc.unit, tc.v); got != tc.want {
			t.Errorf("FormatValue(%q, %v) = %q, want %q", tc.unit, tc.v, got, tc.want)
		}
	}
}

func TestOrdinal(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 99: "99th", 111: "111th"} {
		if got := Ordinal(n); got != want {
			t.Errorf("Ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}

// A custom metric's text that repeats the unit after {value} does not say it
// twice: {value} already carries the unit ("37 days overdue").
func TestPhraseSkipsRepeatedUnit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		unit, text string
		v          float64
		want       string
	}{
		{UnitDays, "{value} days overdue", 37, "37 days overdue"},
		{UnitDays, "{value} day overdue", 37, "37 days overdue"},
		{UnitDays, "{value} days overdue", 1, "1 day overdue"},
		{UnitMinutes, "{value} min to answer", 12, "12 min to answer"},
		{UnitDays, "{value} daystar", 3, "3 days daystar"}, // another word, kept
		{UnitCount, "{value} tickets", 4, "4 tickets"},
		{UnitDays, "overdue {value}", 3, "overdue 3 days"},
	}
	for _, tc := range tests {
		m := Metric{Key: "x", Unit: tc.unit, Text: tc.text}
		if got := string(appendPhrase(nil, m, tc.v, Account{})); got != tc.want {
			t.Errorf("%q with %v %s: got %q, want %q", tc.text, tc.v, tc.unit, got, tc.want)
		}
	}
}
