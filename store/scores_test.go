package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func setupScores(t *testing.T) (context.Context, *store.Store, []int64) {
	t.Helper()
	ctx := context.Background()
	s := storetest.Store(t)
	var ids []int64
	for _, ext := range []string{"acme", "globex"} {
		id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: ext, Name: ext})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	return ctx, s, ids
}

func scoreDay(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func aScore(account int64, asOf string, value float64, band scoring.Band) scoring.Score {
	return scoring.Score{
		AccountID: account, AsOf: scoreDay(asOf), Scorecard: "default", Value: value, Band: band, Confidence: 0.8,
		Subscores: map[scoring.Family]float64{scoring.FamilyUsage: value - 1, scoring.FamilyPulse: 90},
		Drivers: []scoring.Contribution{{Metric: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users",
			Value: 0.1, Score: 12, Weight: 0.3, Contribution: -11.4, Detail: "12th percentile of Enterprise peers",
			PeerGroup: "Enterprise", PeerCount: 40, AgeDays: 1}},
	}
}

func TestUpsertScoresReplacesNeverDuplicates(t *testing.T) {
	t.Parallel()
	ctx, s, ids := setupScores(t)
	acme, globex := ids[0], ids[1]

	first := []scoring.Score{aScore(acme, "2026-03-01", 61.2, scoring.BandYellow), aScore(globex, "2026-03-01", 30, scoring.BandRed)}
	n, err := s.UpsertScores(ctx, first)
	require.NoError(t, err)
	require.EqualValues(t, 2, n)

	again := []scoring.Score{aScore(acme, "2026-03-01", 75, scoring.BandGreen)}
	_, err = s.UpsertScores(ctx, again)
	require.NoError(t, err, "a second upsert in the same transaction works")

	var rows int
	require.NoError(t, s.DB().QueryRow(ctx, "SELECT count(*) FROM score").Scan(&rows))
	require.Equal(t, 2, rows)

	got, err := s.ScoreAt(ctx, acme, scoreDay("2026-03-01"))
	require.NoError(t, err)
	require.Equal(t, again[0], got, "the row round-trips and the re-run replaced it")
	got, err = s.ScoreAt(ctx, globex, scoreDay("2026-03-01"))
	require.NoError(t, err)
	require.Equal(t, first[1], got)
}

func TestScoreReads(t *testing.T) {
	t.Parallel()
	ctx, s, ids := setupScores(t)
	acme, globex := ids[0], ids[1]
	none := scoring.Score{AccountID: globex, AsOf: scoreDay("2026-03-03"), Scorecard: "default", Band: scoring.BandNone, Confidence: 0.2,
		Subscores: map[scoring.Family]float64{}, Drivers: []scoring.Contribution{}}
	_, err := s.UpsertScores(ctx, []scoring.Score{
		aScore(acme, "2026-03-01", 50, scoring.BandYellow),
		aScore(acme, "2026-03-03", 35, scoring.BandRed),
		aScore(acme, "2026-03-02", 45, scoring.BandYellow),
		aScore(globex, "2026-03-01", 80, scoring.BandGreen),
		none,
	})
	require.NoError(t, err)

	hist, err := s.ScoreHistory(ctx, acme, scoreDay("2026-03-02"), scoreDay("2026-03-03"))
	require.NoError(t, err)
	require.Equal(t, []float64{45, 35}, scoreValues(hist), "oldest first, bounds inclusive")

	latest, err := s.LatestScore(ctx, acme)
	require.NoError(t, err)
	require.Equal(t, 35.0, latest.Value)

	all, err := s.LatestScores(ctx)
	require.NoError(t, err)
	require.Len(t, all, 2)
	require.Equal(t, []scoring.Band{scoring.BandRed, scoring.BandNone}, scoreBands(all))
	require.Equal(t, none, all[1], "not enough data is stored without a value")

	then, err := s.ScoresOnOrBefore(ctx, scoreDay("2026-03-02"))
	require.NoError(t, err)
	require.Equal(t, []float64{45, 80}, scoreValues(then))

	at, err := s.ScoresAt(ctx, scoreDay("2026-03-01"))
	require.NoError(t, err)
	require.Equal(t, []float64{50, 80}, scoreValues(at))

	_, err = s.ScoreAt(ctx, acme, scoreDay("2026-02-01"))
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.LatestScore(ctx, 999999)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestUpsertScoresRejectsScoreWithoutBandAndWritesNothing(t *testing.T) {
	t.Parallel()
	ctx, s, ids := setupScores(t)
	bad := aScore(ids[1], "2026-03-01", 10, "")
	_, err := s.UpsertScores(ctx, []scoring.Score{aScore(ids[0], "2026-03-01", 50, scoring.BandYellow), bad})
	require.ErrorContains(t, err, "no band")
	all, err := s.LatestScores(ctx)
	require.NoError(t, err)
	require.Empty(t, all)
}

func TestUpsertScoresRejectsTwoScoresOfOneAccountAndDay(t *testing.T) {
	t.Parallel()
	ctx, s, ids := setupScores(t)
	_, err := s.UpsertScores(ctx, []scoring.Score{
		aScore(ids[0], "2026-03-01", 50, scoring.BandYellow), aScore(ids[1], "2026-03-01", 50, scoring.BandYellow),
		aScore(ids[0], "2026-03-01", 70, scoring.BandGreen),
	})
	require.EqualError(t, err, fmt.Sprintf("write scores: account %d has two scores for 2026-03-01", ids[0]))
	all, err := s.LatestScores(ctx)
	require.NoError(t, err)
	require.Empty(t, all)
}

func scoreValues(ss []scoring.Score) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = s.Value
	}
	return out
}

func scoreBands(ss []scoring.Score) []scoring.Band {
	out := make([]scoring.Band, len(ss))
	for i, s := range ss {
		out[i] = s.Band
	}
	return out
}

func TestUpsertScoresConcurrentWritersOfOneDayBothSucceed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(storetest.Schema(t))
	var ids []int64
	for i := range 50 {
		id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: fmt.Sprintf("a%d", i), Name: fmt.Sprintf("A%d", i)})
		require.NoError(t, err)
		ids = append(ids, id)
	}
	batch := func(v float64) []scoring.Score {
		out := make([]scoring.Score, len(ids))
		for i, id := range ids {
			out[i] = aScore(id, "2026-03-01", v, scoring.BandYellow)
		}
		return out
	}
	errs := make(chan error, 2)
	for _, v := range []float64{50, 60} {
		go func() {
			_, err := s.UpsertScores(ctx, batch(v))
			errs <- err
		}()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	all, err := s.ScoresAt(ctx, scoreDay("2026-03-01"))
	require.NoError(t, err)
	require.Len(t, all, len(ids), "one row per account, whichever writer came last")
}

func TestANotEnoughDataScoreKeepsItsExplanation(t *testing.T) {
	t.Parallel()
	ctx, s, ids := setupScores(t)
	unscored := aScore(ids[0], "2026-03-02", 0, scoring.BandNone)
	unscored.Unscored = &scoring.NotEnoughData{Confidence: 0.2, MinConfidence: 0.5, Missing: []string{"CSAT"},
		Families: []scoring.Family{scoring.FamilyEngagement}, Waiting: []string{"Logins"}, Next: "send CSAT for this account"}
	scored := aScore(ids[1], "2026-03-02", 60, scoring.BandYellow)
	_, err := s.UpsertScores(ctx, []scoring.Score{unscored, scored})
	require.NoError(t, err)

	got, err := s.LatestScore(ctx, ids[0])
	require.NoError(t, err)
	require.Equal(t, unscored.Unscored, got.Unscored)
	card, err := s.Card(ctx, ids[0], 28)
	require.NoError(t, err)
	require.Equal(t, unscored.Unscored, card.Score.Unscored, "the card reads the explanation")
	got, err = s.LatestScore(ctx, ids[1])
	require.NoError(t, err)
	require.Nil(t, got.Unscored)
}
