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

func TestOutcomeLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	now := time.Date(2026, 11, 23, 6, 0, 0, 0, time.UTC)
	day := func(back int) time.Time { return time.Date(2026, 11, 23-back, 0, 0, 0, 0, time.UTC) }
	churned, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "c", Name: "C", ChurnedAt: day(2)})
	require.NoError(t, err)
	_, err = s.UpsertAccount(ctx, scoring.Account{ExternalID: "old", Name: "Old", ChurnedAt: day(200)})
	require.NoError(t, err)
	renews, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "r", Name: "R", RenewalDate: day(1)})
	require.NoError(t, err)

	churns, err := s.ChurnsWithoutOutcome(ctx, day(30))
	require.NoError(t, err)
	require.Equal(t, []store.ChurnCandidate{{AccountID: churned, ChurnedAt: day(2)}}, churns, "old churns are not asked about")
	changes, err := s.RenewalDateChanges(ctx)
	require.NoError(t, err)
	require.Equal(t, []store.RenewalChange{{AccountID: renews, RenewalDate: day(1)}}, changes)

	require.NoError(t, s.RecordOutcomes(ctx, []store.NewOutcome{{AccountID: churned, Kind: store.OutcomeChurn, OccurredOn: day(2)}}, changes, now))
	require.NoError(t, s.RecordOutcomes(ctx, []store.NewOutcome{{AccountID: churned, Kind: store.OutcomeChurn, OccurredOn: day(2)}}, nil, now), "a repeat is ignored")
	churns, err = s.ChurnsWithoutOutcome(ctx, day(30))
	require.NoError(t, err)
	require.Empty(t, churns)
	changes, err = s.RenewalDateChanges(ctx)
	require.NoError(t, err)
	require.Empty(t, changes, "the renewal date was marked seen")

	claimed, err := s.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -30), now.Add(-10*time.Minute), now)
	require.NoError(t, err)
	require.Len(t, claimed, 1)
	again, err := s.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -30), now.Add(-10*time.Minute), now.Add(time.Minute))
	require.NoError(t, err)
	require.Empty(t, again, "a claim is held")
	require.NoError(t, s.ReleaseOutcome(ctx, claimed[0].ID))
	again, err = s.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -30), now.Add(-10*time.Minute), now.Add(time.Minute))
	require.NoError(t, err)
	require.Len(t, again, 1, "a released outcome is claimed again")
	require.NoError(t, s.MarkOutcomeAsked(ctx, claimed[0].ID, "U1", "D1", "1.1", now))
	again, err = s.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -30), now.AddDate(0, 0, 1), now.AddDate(0, 0, 1))
	require.NoError(t, err)
	require.Empty(t, again, "an asked outcome is never claimed again")

	o, err := s.AnswerOutcome(ctx, claimed[0].ID, []string{"budget_cut", "champion_left"}, "New CFO", "U1", now.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, []string{"budget_cut", "champion_left"}, o.Reasons)
	require.Equal(t, "D1", o.DMChannelID)
	_, err = s.AnswerOutcome(ctx, 999999, nil, "", "U1", now)
	require.ErrorIs(t, err, store.ErrNotFound)

	sum, err := s.OutcomeSummary(ctx)
	require.NoError(t, err)
	require.Equal(t, map[store.OutcomeKind]store.OutcomeCounts{
		store.OutcomeChurn: {Detected: 1, Asked: 1, Answered: 1, Reasons: map[string]int64{"budget_cut": 1, "champion_left": 1}},
	}, sum)
}
