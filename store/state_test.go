package store_test

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// stateFixture is a store with accounts and a random score history each:
// daily scores with gaps of up to ten days and some "not enough data" days,
// so every tolerance edge of scoring.ScoreAt occurs.
type stateFixture struct {
	ctx    context.Context
	st     *store.Store
	ids    []int64
	scores map[int64][]scoring.Score // oldest first
}

// Account names carry tag: tests run in parallel, each in its own
// transaction, and two uncommitted inserts of one external id wait on each
// other.
func setupState(t *testing.T, tag string, accounts int, seed uint64) stateFixture {
	t.Helper()
	f := stateFixture{ctx: context.Background(), st: storetest.Store(t), scores: map[int64][]scoring.Score{}}
	rng := rand.New(rand.NewPCG(seed, seed))
	first := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range accounts {
		id, err := f.st.UpsertAccount(f.ctx, scoring.Account{ExternalID: fmt.Sprintf("%s-%d", tag, i), Name: fmt.Sprintf("%s %d", tag, i)})
		require.NoError(t, err)
		f.ids = append(f.ids, id)
		day := first.AddDate(0, 0, rng.IntN(5))
		for range 40 + rng.IntN(20) {
			v := float64(rng.IntN(101))
			s := scoring.Score{AccountID: id, AsOf: day, Scorecard: "default", Value: v, Band: scoring.DefaultBands().Fixed(v), Confidence: 1}
			if rng.IntN(8) == 0 {
				s.Value, s.Band = 0, scoring.BandNone
			}
			f.scores[id] = append(f.scores[id], s)
			day = day.AddDate(0, 0, 1+[]int{0, 0, 0, 0, 1, 5, 6, 7, 9}[rng.IntN(9)])
		}
	}
	return f
}

func (f stateFixture) all() []scoring.Score {
	var out []scoring.Score
	for _, id := range f.ids {
		out = append(out, f.scores[id]...)
	}
	return out
}

// want is an account's state from its scores (oldest first) by scoring's
// functions alone.
func want(scores []scoring.Score) store.AccountState {
	cur := scores[len(scores)-1]
	st := store.AccountState{AccountID: cur.AccountID, AsOf: cur.AsOf, Band: cur.Band, BandSince: cur.AsOf}
	if cur.HasScore() {
		st.Score = &cur.Value
	}
	series := scoring.Series(scores)
	if p, ok := scoring.PointAt(series, cur.AsOf.AddDate(0, 0, -scoring.ShortDeltaDays)); ok {
		st.Score7d, st.Band7d = &p.Value, p.Band
	}
	if v, ok := scoring.ScoreAt(series, cur.AsOf.AddDate(0, 0, -scoring.LongDeltaDays)); ok {
		st.Score28d = &v
	}
	for i := len(scores) - 2; i >= 0 && scores[i].Band == cur.Band; i-- {
		st.BandSince = scores[i].AsOf
	}
	return st
}

// scoreParts keeps what the score refresh writes, for comparing.
func scoreParts(sts []store.AccountState) map[int64]store.AccountState {
	out := map[int64]store.AccountState{}
	for _, s := range sts {
		out[s.AccountID] = store.AccountState{AccountID: s.AccountID, AsOf: s.AsOf, Score: s.Score, Band: s.Band,
			Score7d: s.Score7d, Band7d: s.Band7d, Score28d: s.Score28d, BandSince: s.BandSince}
	}
	return out
}

// The state's SQL applies scoring.ScoreAt's definition with scoring's
// constants as parameters; this holds it equal to the Go functions.
func TestStateFollowsScoringRules(t *testing.T) {
	t.Parallel()
	f := setupState(t, "rules", 12, 1)
	// And the edges by hand: a point six days older than the day a delta
	// asks for stands for it; one seven days older does not.
	d0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, gap := range []int{13, 14, 34, 35} {
		id, err := f.st.UpsertAccount(f.ctx, scoring.Account{ExternalID: fmt.Sprintf("rules-gap-%d", gap), Name: fmt.Sprintf("Gap %d", gap)})
		require.NoError(t, err)
		f.ids = append(f.ids, id)
		for _, d := range []int{0, gap} {
			f.scores[id] = append(f.scores[id], scoring.Score{AccountID: id, AsOf: d0.AddDate(0, 0, d), Scorecard: "default",
				Value: float64(50 + d), Band: scoring.BandYellow, Confidence: 1})
		}
	}
	_, err := f.st.UpsertScores(f.ctx, f.all())
	require.NoError(t, err)
	got, err := f.st.AccountStates(f.ctx, nil)
	require.NoError(t, err)
	require.Len(t, got, len(f.ids))
	for id, st := range scoreParts(got) {
		require.Equal(t, want(f.scores[id]), st, "account %d", id)
	}
}

// A backfill writes days in any order and batch size; the state must end
// as a daily run leaves it. (One transaction: score writes hold a
// transaction-scoped lock, so a second one in the same test would wait
// forever.)
func TestStateAfterBackfillEqualsDailyRuns(t *testing.T) {
	t.Parallel()
	f := setupState(t, "backfill", 6, 2)
	byDay := map[time.Time][]scoring.Score{}
	for _, s := range f.all() {
		byDay[s.AsOf] = append(byDay[s.AsOf], s)
	}
	days := slices.SortedFunc(maps.Keys(byDay), func(a, b time.Time) int { return a.Compare(b) })
	for _, d := range days {
		_, err := f.st.UpsertScores(f.ctx, byDay[d])
		require.NoError(t, err)
	}
	daily, err := f.st.AccountStates(f.ctx, nil)
	require.NoError(t, err)
	require.Len(t, daily, len(f.ids))
	for id, st := range scoreParts(daily) { // day by day, band_since is carried forward
		require.Equal(t, want(f.scores[id]), st, "account %d", id)
	}

	for _, q := range []string{"DELETE FROM score WHERE account_id = ANY($1)", "DELETE FROM account_state WHERE account_id = ANY($1)"} {
		_, err = f.st.DB().Exec(f.ctx, q, f.ids)
		require.NoError(t, err)
	}
	all := f.all()
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for len(all) > 0 { // uneven batches in random order
		n := min(len(all), 37)
		_, err := f.st.UpsertScores(f.ctx, all[:n])
		require.NoError(t, err)
		all = all[n:]
	}
	backfill, err := f.st.AccountStates(f.ctx, nil)
	require.NoError(t, err)
	require.Equal(t, scoreParts(daily), scoreParts(backfill))
}

// A backfill that leaves the state to one RefreshState at the end must end
// with the state and band counts that refreshing after every day gives:
// on an empty history, and on top of a history that already has newer
// days (a backfill of the days before a customer's first daily runs).
func TestStateRefreshedOnceAfterBackfillEqualsPerDayRefresh(t *testing.T) {
	t.Parallel()
	f := setupState(t, "deferred", 7, 5)
	byDay := map[time.Time][]scoring.Score{}
	for _, s := range f.all() {
		byDay[s.AsOf] = append(byDay[s.AsOf], s)
	}
	days := slices.SortedFunc(maps.Keys(byDay), func(a, b time.Time) int { return a.Compare(b) })
	bandDays := func() map[string]int {
		t.Helper()
		rows, err := f.st.DB().Query(f.ctx, `SELECT as_of::text || ' ' || band, accounts FROM score_band_day`)
		require.NoError(t, err)
		out := map[string]int{}
		for rows.Next() {
			var k string
			var n int
			require.NoError(t, rows.Scan(&k, &n))
			out[k] = n
		}
		require.NoError(t, rows.Err())
		return out
	}
	reset := func() {
		t.Helper()
		for _, q := range []string{"DELETE FROM score WHERE account_id = ANY($1)", "DELETE FROM account_state WHERE account_id = ANY($1)"} {
			_, err := f.st.DB().Exec(f.ctx, q, f.ids)
			require.NoError(t, err)
		}
		_, err := f.st.DB().Exec(f.ctx, "DELETE FROM score_band_day")
		require.NoError(t, err)
	}
	for _, already := range []int{0, 12} { // newest days written by daily runs first
		reset()
		for _, d := range days {
			_, err := f.st.UpsertScores(f.ctx, byDay[d])
			require.NoError(t, err)
		}
		perDay, err := f.st.AccountStates(f.ctx, f.ids)
		require.NoError(t, err)
		require.Len(t, perDay, len(f.ids))
		wantBands := bandDays()

		reset()
		split := len(days) - already
		for _, d := range days[split:] {
			_, err := f.st.UpsertScores(f.ctx, byDay[d])
			require.NoError(t, err)
		}
		before, err := f.st.AccountStates(f.ctx, f.ids)
		require.NoError(t, err)
		var written []time.Time
		var accounts []int64
		for _, d := range days[:split] {
			_, err := f.st.UpsertScoresLeavingState(f.ctx, byDay[d])
			require.NoError(t, err)
			written = append(written, d)
			for _, s := range byDay[d] {
				accounts = append(accounts, s.AccountID)
			}
		}
		left, err := f.st.AccountStates(f.ctx, f.ids)
		require.NoError(t, err)
		require.Equal(t, scoreParts(before), scoreParts(left), "%d days already: the state is left alone until the refresh", already)
		require.NoError(t, f.st.RefreshState(f.ctx, accounts, written))
		once, err := f.st.AccountStates(f.ctx, f.ids)
		require.NoError(t, err)
		require.Equal(t, scoreParts(perDay), scoreParts(once), "%d days already", already)
		require.Equal(t, wantBands, bandDays(), "%d days already", already)
	}
}

// StatesAt rebuilds the state of a day before the newest scores from the
// history, by the same rules.
func TestStatesAtAnEarlierDay(t *testing.T) {
	t.Parallel()
	f := setupState(t, "earlier", 8, 3)
	_, err := f.st.UpsertScores(f.ctx, f.all())
	require.NoError(t, err)
	day := time.Date(2026, 2, 10, 0, 0, 0, 0, time.UTC)
	got, err := f.st.StatesAt(f.ctx, f.ids, day)
	require.NoError(t, err)
	for _, id := range f.ids {
		var upTo []scoring.Score
		for _, s := range f.scores[id] {
			if !s.AsOf.After(day) && day.Sub(s.AsOf) < time.Duration(scoring.LongDeltaDays+scoring.ScoreAtMaxAgeDays)*24*time.Hour {
				upTo = append(upTo, s)
			}
		}
		if len(upTo) == 0 {
			require.NotContains(t, got, id)
			continue
		}
		w := want(upTo)
		g := scoreParts([]store.AccountState{got[id]})[id]
		require.Equal(t, w, g, "account %d", id)
	}
}

// Pulses and alerts keep their columns current through triggers, whoever
// writes them; deleting the account takes its state along.
func TestStateFollowsPulsesAndAlerts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Store(t)
	csm, err := st.EnsureCSM(ctx, "state-dana@example.com", "USTATE", "Dana")
	require.NoError(t, err)
	id, err := st.UpsertAccount(ctx, scoring.Account{ExternalID: "state-acme", Name: "State Acme", OwnerID: csm})
	require.NoError(t, err)
	state := func() store.AccountState {
		t.Helper()
		sts, err := st.AccountStates(ctx, []int64{id})
		require.NoError(t, err)
		require.Len(t, sts, 1)
		return sts[0]
	}
	at := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.IntakePulse(ctx, scoring.Pulse{AccountID: id, CSMID: csm, Rating: scoring.RatingPoor, Week: "2026-W10", AnsweredAt: at}))
	require.NoError(t, st.IntakePulse(ctx, scoring.Pulse{AccountID: id, CSMID: csm, Rating: scoring.RatingHealthy, Week: "2026-W09", AnsweredAt: at.Add(time.Hour)}))
	s := state()
	require.Equal(t, "2026-W10", s.PulseWeek, "the newest week, not the newest answer")
	require.Equal(t, scoring.RatingPoor, s.Pulse)
	require.True(t, s.AsOf.IsZero(), "no score yet")

	red, ok, err := st.InsertAlert(ctx, store.NewAlert{AccountID: id, Kind: scoring.AlertTurnedRed, DedupKey: "red:acme", Summary: "red", FiredAt: at})
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = st.InsertAlert(ctx, store.NewAlert{AccountID: id, Kind: scoring.AlertExpansion, DedupKey: "exp:acme", Summary: "seats", FiredAt: at})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, 2, state().OpenAlerts)
	_, err = st.ResolveAlert(ctx, red.ID, "back to yellow", at.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, state().OpenAlerts)

	_, err = st.DB().Exec(ctx, "DELETE FROM account WHERE id = $1", id)
	require.NoError(t, err)
	sts, err := st.AccountStates(ctx, []int64{id})
	require.NoError(t, err)
	require.Empty(t, sts)
}

// The movers query hands over only the largest moves; ranked with
// scoring.Movers they must be the ones scoring.Movers picks out of every line.
func TestMoverLinesAreTheMoversOfAllLines(t *testing.T) {
	t.Parallel()
	f := setupState(t, "movers", 15, 4)
	_, err := f.st.UpsertScores(f.ctx, f.all())
	require.NoError(t, err)
	all, err := f.st.AccountLines(f.ctx, store.LineFilter{})
	require.NoError(t, err)
	ids := func(ls []store.AccountLine) []int64 {
		out := make([]int64, len(ls))
		for i, l := range ls {
			out[i] = l.Account.ID
		}
		return out
	}
	for _, days := range []int{scoring.ShortDeltaDays, scoring.LongDeltaDays} {
		delta := func(l store.AccountLine) (float64, bool) {
			d7, d28 := l.Trend()
			d := d28
			if days == scoring.ShortDeltaDays {
				d = d7
			}
			if d == nil {
				return 0, false
			}
			return *d, true
		}
		wantDown, wantUp := scoring.Movers(all, delta, 3)
		some, err := f.st.AccountLines(f.ctx, store.LineFilter{MovedDays: days, MoversEach: 3})
		require.NoError(t, err)
		gotDown, gotUp := scoring.Movers(some, delta, 3)
		require.NotEmpty(t, wantDown, "%d days", days)
		require.Equal(t, ids(wantDown), ids(gotDown), "%d days", days)
		require.Equal(t, ids(wantUp), ids(gotUp), "%d days", days)
	}
}
