package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
)

func TestBacktestShowsOutcomeReasons(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p := setupBacktest(t)
	out := filepath.Join(t.TempDir(), "suggested.yaml")

	code, stdout, errOut := p.run(t, nil, "backtest", "--horizon", "30d", "--write", out)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Reasons from owners: none yet")

	st := store.New(p.pool)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	require.NoError(t, st.RecordOutcomes(ctx, []store.NewOutcome{
		{AccountID: p.ids[0], Kind: store.OutcomeChurn, OccurredOn: now.AddDate(0, 0, -20)},
		{AccountID: p.ids[3], Kind: store.OutcomeChurn, OccurredOn: now.AddDate(0, 0, -45)},
		{AccountID: p.ids[6], Kind: store.OutcomeChurn, OccurredOn: now.AddDate(0, 0, -70)},
		{AccountID: p.ids[29], Kind: store.OutcomeRenewal, OccurredOn: now.AddDate(0, 0, -3), NextRenewal: now.AddDate(1, 0, 0)},
	}, nil, now))
	claimed, err := st.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -1), now, now)
	require.NoError(t, err)
	require.Len(t, claimed, 4)
	answers := map[int64][]string{p.ids[0]: {"budget_cut", "champion_left"}, p.ids[3]: {"budget_cut"}, p.ids[29]: {"happy_sponsor"}}
	for _, o := range claimed {
		require.NoError(t, st.MarkOutcomeAsked(ctx, o.ID, "U1", "D1", "1.1", now))
		if rs, ok := answers[o.AccountID]; ok {
			_, err := st.AnswerOutcome(ctx, o.ID, rs, "", "U1", now)
			require.NoError(t, err)
		}
	}

	code, stdout, errOut = p.run(t, nil, "backtest", "--horizon", "30d", "--write", out)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "  churn    2 of 3 asked answered: Budget cut 2 · Champion left 1\n")
	require.Contains(t, stdout, "  renewal  1 of 1 asked answered: Happy sponsor 1\n")

	code, stdout, errOut = p.run(t, nil, "backtest", "--horizon", "30d", "--json", "--write", out)
	require.Equal(t, 0, code, errOut)
	var got struct {
		Outcomes map[string]store.OutcomeCounts `json:"outcomes"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Equal(t, map[string]store.OutcomeCounts{
		"churn":   {Detected: 3, Asked: 3, Answered: 2, Reasons: map[string]int64{"budget_cut": 2, "champion_left": 1}},
		"renewal": {Detected: 1, Asked: 1, Answered: 1, Reasons: map[string]int64{"happy_sponsor": 1}},
	}, got.Outcomes)
}
