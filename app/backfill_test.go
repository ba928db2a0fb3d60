package app_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// fakeBackfillStore is a BackfillStore: the scoring fake, and one pass
// that hands each as-of time the fake's features of that time.
type fakeBackfillStore struct {
	*fakeScoringStore
}

func (f fakeBackfillStore) BackfillFeatures(ctx context.Context, asOfs []time.Time, ms []scoring.Metric, fn func(int, scoring.FeatureSet) error) error {
	for i, at := range asOfs {
		fs, err := f.features(ctx, at, ms)
		if err != nil {
			return err
		}
		if err := fn(i, fs); err != nil {
			return err
		}
	}
	return nil
}

func TestBackfillWritesEachDayInOrder(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	days := []time.Time{scoreRunDay.AddDate(0, 0, -2), scoreRunDay.AddDate(0, 0, -1), scoreRunDay}
	var got []time.Time
	err := app.Backfill(context.Background(), fakeBackfillStore{b.store}, scoring.Scorecards{}, days, func(s app.ScoreSummary) {
		got = append(got, s.AsOf)
		require.EqualValues(t, len(s.Scores), s.Written)
	})
	require.NoError(t, err)
	require.Equal(t, days, got)
	require.Len(t, b.written, 3)
	for i, scores := range b.written {
		require.NotEmpty(t, scores)
		require.Equal(t, days[i], scoring.Day(scores[0].AsOf))
	}
}

// A failed write stops the backfill with that error, naming the day; the
// days after it are not written.
func TestBackfillStopsAtAFailedWrite(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	full := errors.New("disk full")
	writes := 0
	b.store.upsert = func(_ context.Context, s []scoring.Score) (int64, error) {
		writes++
		if writes == 2 {
			return 0, full
		}
		return int64(len(s)), nil
	}
	days := []time.Time{scoreRunDay.AddDate(0, 0, -3), scoreRunDay.AddDate(0, 0, -2), scoreRunDay.AddDate(0, 0, -1), scoreRunDay}
	var reported int
	err := app.Backfill(context.Background(), fakeBackfillStore{b.store}, scoring.Scorecards{}, days, func(app.ScoreSummary) { reported++ })
	require.ErrorIs(t, err, full)
	require.ErrorContains(t, err, days[1].Format(time.DateOnly))
	require.Equal(t, 1, reported)
	require.Equal(t, 2, writes)
}

// A backfill of N days writes exactly the score rows N single-day scoring
// runs write, on random data with a metric of the data's own (discovered).
// (Moved from store: the parity of the store's two feature passes is
// store.TestBackfillFeaturesEqualDailyFeatures.)
func TestBackfillWritesWhatDailyRunsWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := storetest.Tx(t)
	s := store.New(tx)
	base := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	randomSignals(t, ctx, s, rand.New(rand.NewPCG(7, 0xbacf)), base)
	accounts, err := s.Accounts(ctx)
	require.NoError(t, err)
	d, err := app.Discover(ctx, s, scoring.DefaultScorecards(), accounts, app.DiscoveryOptions{Now: func() time.Time { return base }})
	require.NoError(t, err)
	cards := d.Cards
	require.True(t, cards.HasDiscovered(), "logins joins as a discovered metric")
	days := make([]time.Time, 30)
	for i := range days {
		days[i] = base.AddDate(0, 0, i-len(days)+1)
	}

	var reported []time.Time
	require.NoError(t, app.Backfill(ctx, s, cards, days, func(sum app.ScoreSummary) { reported = append(reported, sum.AsOf) }))
	require.Equal(t, days, reported, "one report per day, in order")
	backfilled := scoreRows(t, ctx, tx)

	_, err = tx.Exec(ctx, "DELETE FROM score")
	require.NoError(t, err)
	for _, day := range days {
		_, err := app.RunScoring(ctx, s, cards, day)
		require.NoError(t, err)
	}
	daily := scoreRows(t, ctx, tx)
	require.Len(t, daily, len(days)*len(accounts))
	scored := 0
	for _, r := range daily {
		if strings.Contains(r, "|t|") {
			scored++
		}
	}
	require.Greater(t, scored, len(daily)/4, "too few rows with a score to compare")
	require.Equal(t, daily, backfilled)
}

// randomSignals stores 25 accounts sending built-in signals and logins
// (their own metric) daily, weekly or now and then over the 120 days to
// base, with random values.
func randomSignals(t *testing.T, ctx context.Context, s *store.Store, rng *rand.Rand, base time.Time) {
	t.Helper()
	first := base.AddDate(0, 0, -120)
	require.NoError(t, s.EnsurePartitions(ctx, first, base.AddDate(0, 0, 31)))
	var rows []store.IntakeSignal
	for i := range 25 {
		id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: fmt.Sprintf("r%02d", i), Name: fmt.Sprintf("Random %d", i),
			Segment: "SMB", StartedAt: first.AddDate(-1, 0, 0)})
		require.NoError(t, err)
		for _, metric := range []string{"active_user_ratio", "seats_used", "key_feature_adoption", "days_since_admin_seen", "support_tickets", "logins"} {
			step := []int{1, 7, 13 + rng.IntN(20)}[rng.IntN(3)]
			for day := rng.IntN(step); day <= 120; day += step {
				at := first.AddDate(0, 0, day).Add(time.Duration(rng.IntN(24*60)) * time.Minute)
				rows = append(rows, store.IntakeSignal{AccountID: id, Metric: metric, ObservedAt: at, Value: math.Round(rng.Float64()*1000) / 100, Source: "test"})
			}
		}
	}
	_, err := s.IntakeSignals(ctx, rows)
	require.NoError(t, err)
}

// scoreRows is every score row but its computed_at, as text, in order.
func scoreRows(t *testing.T, ctx context.Context, tx pgx.Tx) []string {
	t.Helper()
	rows, err := tx.Query(ctx, `SELECT concat_ws('|', account_id, as_of, scorecard, score, score IS NOT NULL, band, confidence,
		subscores::text, contributions::text, unscored::text) FROM score ORDER BY as_of, account_id`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

// deferringBackfillStore also leaves the current state to one refresh:
// its upsert then stands for UpsertScoresLeavingState, and UpsertScores
// (the refresh with every day) must not be called.
type deferringBackfillStore struct {
	fakeBackfillStore
	refreshes [][]time.Time
	accounts  [][]int64
}

func (f *deferringBackfillStore) UpsertScores(context.Context, []scoring.Score) (int64, error) {
	return 0, errors.New("UpsertScores refreshes the state with every day")
}

func (f *deferringBackfillStore) UpsertScoresLeavingState(ctx context.Context, s []scoring.Score) (int64, error) {
	return f.upsert(ctx, s)
}

func (f *deferringBackfillStore) RefreshState(ctx context.Context, accounts []int64, days []time.Time) error {
	f.refreshes, f.accounts = append(f.refreshes, days), append(f.accounts, accounts)
	return ctx.Err()
}

// A store that can defer the state gets every day without a refresh and
// one refresh at the end with every day and account written — also when a
// write failed, for the days written before it.
func TestBackfillRefreshesTheStateOnceAtTheEnd(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	st := &deferringBackfillStore{fakeBackfillStore: fakeBackfillStore{b.store}}
	days := []time.Time{scoreRunDay.AddDate(0, 0, -2), scoreRunDay.AddDate(0, 0, -1), scoreRunDay}
	require.NoError(t, app.Backfill(context.Background(), st, scoring.Scorecards{}, days, func(app.ScoreSummary) {}))
	require.Len(t, b.written, 3)
	require.Equal(t, [][]time.Time{days}, st.refreshes)
	var want []int64
	for _, s := range b.written[0] {
		want = append(want, s.AccountID)
	}
	require.ElementsMatch(t, want, st.accounts[0])

	b = setupScoreRun(t)
	st = &deferringBackfillStore{fakeBackfillStore: fakeBackfillStore{b.store}}
	full := errors.New("disk full")
	b.store.upsert = func(_ context.Context, s []scoring.Score) (int64, error) {
		if len(b.written) == 1 {
			return 0, full
		}
		b.written = append(b.written, s)
		return int64(len(s)), nil
	}
	err := app.Backfill(context.Background(), st, scoring.Scorecards{}, days, func(app.ScoreSummary) {})
	require.ErrorIs(t, err, full)
	require.Equal(t, [][]time.Time{days[:1]}, st.refreshes, "the day written before the failure")
}
