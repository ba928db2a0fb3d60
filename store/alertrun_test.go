package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAlertRunReads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	at := day.Add(23 * time.Hour)
	a, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "a", Name: "A"})
	require.NoError(t, err)
	b, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "b", Name: "B"})
	require.NoError(t, err)
	csm, err := s.EnsureCSM(ctx, "dana@example.com", "U1", "Dana")
	require.NoError(t, err)

	var scores []scoring.Score
	for i := 0; i < 5; i++ {
		scores = append(scores, scoring.Score{AccountID: a, AsOf: day.AddDate(0, 0, -i), Scorecard: "default", Value: 50 + float64(i), Band: scoring.BandYellow, Confidence: 1})
	}
	scores = append(scores, scoring.Score{AccountID: b, AsOf: day.AddDate(0, 0, -40), Scorecard: "default", Value: 10, Band: scoring.BandRed, Confidence: 1})
	_, err = s.UpsertScores(ctx, scores)
	require.NoError(t, err)
	hist, err := s.ScoresBetween(ctx, day.AddDate(0, 0, -3), day.AddDate(0, 0, -1))
	require.NoError(t, err)
	require.Len(t, hist[a], 3, "only days in the range")
	require.True(t, hist[a][0].AsOf.Equal(day.AddDate(0, 0, -3)), "oldest first")
	require.NotContains(t, hist, b)

	for _, p := range []scoring.Pulse{
		{AccountID: a, CSMID: csm, Rating: scoring.RatingHealthy, Week: "2026-W46", AnsweredAt: day.AddDate(0, 0, -9)},
		{AccountID: a, CSMID: csm, Rating: scoring.RatingPoor, Week: "2026-W47", AnsweredAt: day.AddDate(0, 0, -2), Reasons: []string{"budget_cut"}},
		{AccountID: b, CSMID: csm, Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: at.Add(time.Hour)}, // after the run
	} {
		require.NoError(t, s.IntakePulse(ctx, p))
	}
	pulses, err := s.LatestPulses(ctx, day.AddDate(0, 0, -60), at)
	require.NoError(t, err)
	require.Equal(t, scoring.RatingPoor, pulses[a].Rating)
	require.Equal(t, "Dana", pulses[a].CSMName)
	require.Equal(t, []string{"budget_cut"}, pulses[a].Reasons)
	require.NotContains(t, pulses, b, "a pulse after the run's time is not seen")

	_, err = s.IntakeSignals(ctx, []store.IntakeSignal{
		{AccountID: a, Metric: "interest:analytics", ObservedAt: day.AddDate(0, 0, -3), Value: 1},
		{AccountID: a, Metric: "interest:analytics", ObservedAt: day.AddDate(0, 0, -2), Value: 2},
		{AccountID: a, Metric: "interest:sso", ObservedAt: day.AddDate(0, 0, -40), Value: 1},
		{AccountID: b, Metric: "interest:api", ObservedAt: day.AddDate(0, 0, -1), Value: 0},
		{AccountID: b, Metric: "interested", ObservedAt: day.AddDate(0, 0, -1), Value: 1},
	})
	require.NoError(t, err)
	interest, err := s.ModuleInterest(ctx, at.AddDate(0, 0, -28), at)
	require.NoError(t, err)
	require.Equal(t, map[int64][]string{a: {"analytics"}}, interest, "recent, positive interest:<module> signals only, each module once")
}

func TestUnpostedAlerts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	acct, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "a", Name: "A"})
	require.NoError(t, err)
	fire := func(key string, at time.Time) int64 {
		a, ok, err := s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTrendDrop, DedupKey: key, Summary: "x", FiredAt: at})
		require.NoError(t, err)
		require.True(t, ok)
		return a.ID
	}
	bare := fire("k1", now)
	posted := fire("k2", now)
	require.NoError(t, s.SetAlertMessages(ctx, posted, "C1", "1.1", "D1", "1.2"))
	half := fire("k3", now)
	require.NoError(t, s.SetAlertMessages(ctx, half, "C1", "2.1", "", ""))
	fire("k4", now.AddDate(0, 0, -10)) // too old to retry
	resolved := fire("k5", now)
	_, err = s.ResolveAlert(ctx, resolved, "", now)
	require.NoError(t, err)
	quiet, ok, err := s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTurnedRed, DedupKey: "k6", Summary: "x", FiredAt: now, Quiet: true})
	require.NoError(t, err)
	require.True(t, ok)
	require.True(t, quiet.Quiet)

	got, err := s.UnpostedAlerts(ctx, now.AddDate(0, 0, -7))
	require.NoError(t, err)
	var ids []int64
	for _, a := range got {
		ids = append(ids, a.ID)
	}
	require.Equal(t, []int64{bare, half}, ids, "posted, too old, resolved and quiet alerts are not retried")
}

func TestAnyAlert(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	acct, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "a", Name: "A"})
	require.NoError(t, err)
	anyAlert, err := s.AnyAlert(ctx)
	require.NoError(t, err)
	require.False(t, anyAlert)
	fired := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	a, _, err := s.InsertAlert(ctx, store.NewAlert{AccountID: acct, Kind: scoring.AlertTurnedRed, DedupKey: "k", Summary: "x", FiredAt: fired})
	require.NoError(t, err)
	_, err = s.ResolveAlert(ctx, a.ID, "", fired.Add(time.Hour))
	require.NoError(t, err)
	anyAlert, err = s.AnyAlert(ctx)
	require.NoError(t, err)
	require.True(t, anyAlert, "a resolved alert still counts: the portfolio has been watched")
}
