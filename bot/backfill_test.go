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
