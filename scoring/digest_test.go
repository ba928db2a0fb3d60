package scoring

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBuildDigest(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // Monday of 2026-W48
	dana, lee := CSM{ID: 1, Name: "Dana"}, CSM{ID: 2, Name: "Lee"}
	acct := func(id int64, name string, owner int64, renewDays int, mrr float64) Account {
		a := Account{ID: id, Name: name, OwnerID: owner, MRR: mrr}
		if renewDays > 0 {
			a.RenewalDate = now.AddDate(0, 0, renewDays)
		}
		return a
	}
	s := func(id int64, v float64, b Band) Score { return Score{AccountID: id, AsOf: now, Value: v, Band: b} }
	churned := acct(6, "Gone", 1, 0, 0)
	churned.ChurnedAt = now.AddDate(0, -1, 0)
	in := DigestInput{
		Now:      now,
		Accounts: []Account{acct(1, "Acme", 1, 30, 1000), acct(2, "Beta", 1, 200, 500), acct(3, "Cyan", 2, 60, 300), acct(4, "Delta", 2, 0, 100), acct(5, "Echo", 2, 0, 50), churned},
		Today:    map[int64]Score{1: s(1, 35, BandRed), 2: s(2, 80, BandGreen), 3: s(3, 55, BandYellow), 4: s(4, 75, BandGreen), 5: {Band: BandNone}},
		LastWeek: map[int64]Score{1: s(1, 48, BandYellow), 2: s(2, 70, BandGreen), 3: s(3, 56, BandYellow), 4: s(4, 75, BandGreen)},
		Pulses: map[int64]Pulse{
			1: {Rating: RatingHealthy, Week: "2026-W47", AnsweredAt: now.AddDate(0, 0, -5)},
			2: {Rating: RatingPoor, Week: "2026-W47", AnsweredAt: now.AddDate(0, 0, -5)},
			3: {Rating: RatingConcerning, Week: "2026-W46", AnsweredAt: now.AddDate(0, 0, -12)},
		},
		CSMs:      []CSM{dana, lee},
		Expansion: map[int64]string{4: "green (75) and using 95 % of seats"},
	}
	d := BuildDigest(in)

	require.Equal(t, "2026-W48", d.Week)
	require.Equal(t, "2026-W47", d.PulseWeek)
	require.Equal(t, map[Band]int{BandRed: 1, BandGreen: 2, BandYellow: 1}, d.Bands)
	require.Equal(t, map[Band]int{BandYellow: 2, BandGreen: 2}, d.BandsLastWeek)
	require.Equal(t, 1, d.NotEnoughData, "Echo has no score; the churned account is not counted")
	require.Len(t, d.Down, 2)
	require.Equal(t, "Acme", d.Down[0].Account.Name)
	require.Equal(t, -13.0, d.Down[0].Delta)
	require.Len(t, d.Up, 1)
	require.Equal(t, "Beta", d.Up[0].Account.Name)
	require.Len(t, d.NewlyRed, 1)
	require.Equal(t, "Acme", d.NewlyRed[0].Account.Name)

	require.Len(t, d.Renewals, 2, "Beta renews too late, Delta is green")
	require.Equal(t, "Acme", d.Renewals[0].Account.Name)
	require.Equal(t, 30, d.Renewals[0].Days)
	require.Equal(t, 1300.0, d.MRRAtRisk)

	require.Len(t, d.Expansion, 1)
	require.Len(t, d.Disagreements, 2)
	require.Equal(t, "Pulse says healthy but the score is 35 (red)", d.Disagreements[0].Text())
	require.Equal(t, RatingPoor, d.Disagreements[1].Rating)

	require.Len(t, d.Pulse, 2)
	require.Equal(t, lee, d.Pulse[0].CSM)
	require.Equal(t, [2]int{0, 3}, [2]int{d.Pulse[0].Answered, d.Pulse[0].Total})
	require.Equal(t, []string{"Cyan", "Delta", "Echo"}, names(d.Pulse[0].Missing), "largest MRR first")
	require.Equal(t, dana, d.Pulse[1].CSM)
	require.Equal(t, [2]int{2, 2}, [2]int{d.Pulse[1].Answered, d.Pulse[1].Total})
	require.Empty(t, d.Pulse[1].Missing)
	require.True(t, d.ScoresAsOf.Equal(now))

	// With the week's answers given explicitly, a newer pulse does not hide one.
	in.Answered = map[int64]bool{1: true, 3: true}
	in.History = []WeekBands{{Day: now, Bands: map[Band]int{BandRed: 1}}}
	d = BuildDigest(in)
	require.Equal(t, [2]int{1, 3}, [2]int{d.Pulse[0].Answered, d.Pulse[0].Total})
	require.Equal(t, "Lee", d.Pulse[0].CSM.Name, "Lee 1/3 is behind Dana 1/2")
	require.Equal(t, in.History, d.History)
}

func names(as []Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

func TestPulseDisagrees(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	p := func(r Rating, ageDays int) *Pulse { return &Pulse{Rating: r, AnsweredAt: day.AddDate(0, 0, -ageDays)} }
	cases := []struct {
		band  Band
		pulse *Pulse
		want  bool
	}{
		{BandRed, p(RatingHealthy, 3), true},
		{BandGreen, p(RatingPoor, 3), true},
		{BandRed, p(RatingPoor, 3), false},
		{BandYellow, p(RatingHealthy, 3), false},
		{BandGreen, p(RatingConcerning, 3), false},
		{BandRed, p(RatingHealthy, 40), false},
		{BandNone, p(RatingHealthy, 1), false},
		{BandRed, nil, false},
	}
	for _, c := range cases {
		_, got := PulseDisagrees(Score{AsOf: day, Value: 50, Band: c.band}, c.pulse, 30)
		require.Equal(t, c.want, got, "%s with %+v", c.band, c.pulse)
	}
}

// A change that rounds to no whole point is not a move: the digest's
// "Biggest drops" never shows "59 → 59 (± 0)".
func TestDigestMoversSkipChangesUnderAPoint(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := func(id int64, v float64) Score { return Score{AccountID: id, AsOf: now, Value: v, Band: BandYellow} }
	in := DigestInput{
		Now:      now,
		Accounts: []Account{{ID: 1, Name: "Still"}, {ID: 2, Name: "Down"}, {ID: 3, Name: "Flat"}},
		Today:    map[int64]Score{1: s(1, 59.1), 2: s(2, 50), 3: s(3, 60.3)},
		LastWeek: map[int64]Score{1: s(1, 59.4), 2: s(2, 58), 3: s(3, 60)},
	}
	d := BuildDigest(in)
	require.Len(t, d.Down, 1, "only Down moved by a whole point")
	require.Equal(t, "Down", d.Down[0].Account.Name)
	require.Empty(t, d.Up, "Flat rose by 0.3, which shows as ± 0")
}

func TestMoved(t *testing.T) {
	t.Parallel()
	for delta, want := range map[float64]int{-0.3: 0, 0.49: 0, -0.5: -1, 0.5: 1, -13: -1, 2: 1, 0: 0} {
		require.Equal(t, want, Moved(delta), "delta %v", delta)
	}
}

func TestBuildDigestListsAtRiskByTheOneRule(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	s := func(id int64, v float64, b Band) Score { return Score{AccountID: id, AsOf: now, Value: v, Band: b} }
	in := DigestInput{
		Now:      now,
		Accounts: []Account{{ID: 1, Name: "Red"}, {ID: 2, Name: "Sliding"}, {ID: 3, Name: "Drifting"}, {ID: 4, Name: "New yellow"}, {ID: 5, Name: "Green"}},
		Today:    map[int64]Score{1: s(1, 30, BandRed), 2: s(2, 45, BandYellow), 3: s(3, 50, BandYellow), 4: s(4, 41, BandYellow), 5: s(5, 75, BandGreen)},
		FourWeeks: map[int64]Score{
			2: {Value: 45 + AtRiskDrop}, 3: {Value: 50 + AtRiskDrop - 0.5}, 5: {Value: 99},
		},
	}
	d := BuildDigest(in)
	var names []string
	for _, a := range d.AtRisk {
		names = append(names, a.Account.Name)
	}
	require.Equal(t, []string{"Red", "Sliding"}, names, "red, or yellow and down AtRiskDrop in 28 days; no baseline is no drop")
}
