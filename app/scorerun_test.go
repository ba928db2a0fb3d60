package app_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
)

// fakeScoringStore is a ScoringStore of function fields.
type fakeScoringStore struct {
	accounts func(ctx context.Context) ([]scoring.Account, error)
	features func(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, error)
	upsert   func(ctx context.Context, scores []scoring.Score) (int64, error)
}

var _ app.ScoringStore = (*fakeScoringStore)(nil)

func (f *fakeScoringStore) Accounts(ctx context.Context) ([]scoring.Account, error) {
	return f.accounts(ctx)
}
func (f *fakeScoringStore) Features(ctx context.Context, asOf time.Time, m []scoring.Metric) (scoring.FeatureSet, error) {
	return f.features(ctx, asOf, m)
}
func (f *fakeScoringStore) UpsertScores(ctx context.Context, s []scoring.Score) (int64, error) {
	return f.upsert(ctx, s)
}

type scoreRunBundle struct {
	store      *fakeScoringStore
	featuresAt []time.Time
	metrics    []scoring.Metric
	written    [][]scoring.Score
}

var scoreRunDay = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)

// setupScoreRun fakes ten accounts whose usage grows with their id; the
// first churns on scoreRunDay+10, the second churned on scoreRunDay.
func setupScoreRun(t *testing.T) *scoreRunBundle {
	t.Helper()
	b := &scoreRunBundle{}
	var accounts []scoring.Account
	for i := range 10 {
		a := scoring.Account{ID: int64(i + 1), Name: fmt.Sprintf("A%d", i)}
		switch i {
		case 0:
			a.ChurnedAt = scoreRunDay.AddDate(0, 0, 10)
		case 1:
			a.ChurnedAt = scoreRunDay
		}
		accounts = append(accounts, a)
	}
	b.store = &fakeScoringStore{
		accounts: func(context.Context) ([]scoring.Account, error) { return accounts, nil },
		features: func(_ context.Context, asOf time.Time, ms []scoring.Metric) (scoring.FeatureSet, error) {
			b.featuresAt, b.metrics = append(b.featuresAt, asOf), ms
			fs := scoring.FeatureSet{}
			for _, a := range accounts {
				fs[a.ID] = map[string]scoring.FeatureValue{
					"active_user_ratio": {Value: float64(a.ID) / 10}, "key_feature_adoption": {Value: float64(a.ID) / 10},
					"licence_change": {Value: float64(a.ID)}, "days_since_admin_seen": {Value: float64(20 - a.ID)},
					"session_gap_days": {Value: float64(20 - a.ID)}, "pulse": {Value: scoring.PulseValueHealthy},
				}
			}
			return fs, nil
		},
		upsert: func(_ context.Context, s []scoring.Score) (int64, error) {
			b.written = append(b.written, s)
			return int64(len(s)), nil
		},
	}
	return b
}

func TestScoreTimeIsTheEndOfTheDay(t *testing.T) {
	t.Parallel()
	at := app.ScoreTime(time.Date(2026, 3, 31, 15, 4, 5, 0, time.UTC))
	require.Equal(t, time.Date(2026, 3, 31, 23, 59, 59, 999999000, time.UTC), at)
	require.Equal(t, time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC), scoring.Day(at))
}

func TestRunScoringScoresAliveAccountsAtTheEndOfTheDayAndWritesThem(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	cards := scoring.DefaultScorecards()

	sum, err := app.RunScoring(context.Background(), b.store, cards, scoreRunDay.Add(9*time.Hour))
	require.NoError(t, err)

	require.Equal(t, []time.Time{app.ScoreTime(scoreRunDay)}, b.featuresAt)
	require.Equal(t, cards.Catalog().Metrics(), b.metrics, "features for every catalog metric")
	require.Len(t, b.written, 1)
	require.Len(t, sum.Scores, 9, "the account that churned that day is not scored")
	require.Equal(t, b.written[0], sum.Scores)
	require.EqualValues(t, 9, sum.Written)
	require.Equal(t, scoreRunDay, sum.AsOf)
	for _, s := range sum.Scores {
		require.Equal(t, scoreRunDay, s.AsOf)
		require.NotEqual(t, int64(2), s.AccountID)
	}
	total := 0
	for _, n := range sum.Bands {
		total += n
	}
	require.Equal(t, 9, total)
	require.Positive(t, sum.Bands[scoring.BandGreen], "the best-used accounts are green")
}

func TestRunScoringWritesNothingWhenFeaturesFail(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	b.store.features = func(context.Context, time.Time, []scoring.Metric) (scoring.FeatureSet, error) {
		return nil, errors.New("db down")
	}
	_, err := app.RunScoring(context.Background(), b.store, scoring.DefaultScorecards(), scoreRunDay)
	require.ErrorContains(t, err, "score 2026-03-31: db down")
	require.Empty(t, b.written)
}

func TestBacktestExamplesLabelChurnWithinTheHorizonAndWriteNothing(t *testing.T) {
	t.Parallel()
	b := setupScoreRun(t)
	days := []time.Time{time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), scoreRunDay}

	ex, err := app.BacktestExamples(context.Background(), b.store, scoring.DefaultScorecards(), days, 31)
	require.NoError(t, err)
	require.Empty(t, b.written)
	require.Equal(t, []time.Time{app.ScoreTime(days[0]), app.ScoreTime(days[1])}, b.featuresAt)
	churned := map[string]bool{}
	for _, x := range ex {
		churned[fmt.Sprintf("%d@%s", x.AccountID, x.AsOf.Format(time.DateOnly))] = x.Churned
	}
	require.Len(t, ex, 10+9)
	require.True(t, churned["1@2026-03-31"], "churns 10 days later")
	require.False(t, churned["1@2026-02-28"], "churns 41 days later, past the horizon")
	require.True(t, churned["2@2026-02-28"], "churned 31 days after 2026-02-28, at the horizon")
	require.NotContains(t, churned, "2@2026-03-31")
	require.False(t, churned["5@2026-03-31"])
}
