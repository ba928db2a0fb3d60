package bot_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/scoring"
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
	err := bot.Backfill(context.Background(), fakeBackfillStore{b.store}, scoring.Scorecards{}, days, func(s bot.ScoreSummary) {
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
	err := bot.Backfill(context.Background(), fakeBackfillStore{b.store}, scoring.Scorecards{}, days, func(bot.ScoreSummary) { reported++ })
	require.ErrorIs(t, err, full)
	require.ErrorContains(t, err, days[1].Format(time.DateOnly))
	require.Equal(t, 1, reported)
	require.Equal(t, 2, writes)
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
	require.NoError(t, bot.Backfill(context.Background(), st, scoring.Scorecards{}, days, func(bot.ScoreSummary) {}))
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
	err := bot.Backfill(context.Background(), st, scoring.Scorecards{}, days, func(bot.ScoreSummary) {})
	require.ErrorIs(t, err, full)
	require.Equal(t, [][]time.Time{days[:1]}, st.refreshes, "the day written before the failure")
}
