package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

var ownSnapshot = time.Date(2026, 6, 30, 12, 0, 0, 0, time.UTC)

// ownPortfolio stores 60 accounts with one snapshot each of the user's own
// metrics and none of the built-ins: logins (churners log in less),
// tickets_open (noise) and pays_by_check (a flag). churned accounts churn
// 30 days after the snapshot.
func ownPortfolio(t *testing.T, churned int) *store.Store {
	t.Helper()
	ctx := context.Background()
	st := storetest.Store(t)
	var rows []store.IntakeSignal
	for i := range 60 {
		a := scoring.Account{ExternalID: fmt.Sprintf("c%02d", i), Name: fmt.Sprintf("Customer %d", i), Segment: "SMB",
			StartedAt: ownSnapshot.AddDate(-1, 0, 0)}
		lost := i < churned
		if lost {
			a.ChurnedAt = scoring.Day(ownSnapshot.AddDate(0, 0, 30))
		}
		id, err := st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		logins := float64(20 + i)
		if lost {
			logins = float64(i % 10)
		}
		for metric, v := range map[string]float64{"logins": logins, "tickets_open": float64((i * 7) % 11), "pays_by_check": float64(i % 2)} {
			rows = append(rows, store.IntakeSignal{AccountID: id, Metric: metric, ObservedAt: ownSnapshot, Value: v,
				Source: "csv"})
		}
	}
	_, err := st.IntakeSignals(ctx, rows)
	require.NoError(t, err)
	return st
}

func TestOwnMetricsWithoutChurnHistoryWaitForADirection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := ownPortfolio(t, 0)
	day := scoring.Day(ownSnapshot.AddDate(0, 0, 10))
	accounts, err := st.Accounts(ctx)
	require.NoError(t, err)
	d, err := app.Discover(ctx, st, scoring.DefaultScorecards(), accounts, app.DiscoveryOptions{Now: func() time.Time { return day }})
	require.NoError(t, err)
	require.True(t, d.Refreshed)
	require.False(t, d.Learned)
	var waiting []string
	for _, m := range d.Waiting() {
		waiting = append(waiting, m.Key)
	}
	require.Equal(t, []string{"logins", "pays_by_check", "tickets_open"}, waiting)
	scores, _, err := app.ComputeScores(ctx, st, d.Cards, day)
	require.NoError(t, err)
	require.Len(t, scores, 60)
	for _, s := range scores {
		require.False(t, s.HasScore())
		require.NotNil(t, s.Unscored)
		require.Equal(t, []string{"Logins", "Pays by check", "Tickets open"}, s.Unscored.Waiting)
		require.Contains(t, s.Unscored.Words(), "declare it in a scorecard")
	}
}

func TestOwnMetricsAreScoredOnceDirectionsAreLearned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := ownPortfolio(t, 25)
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	accounts, err := st.Accounts(ctx)
	require.NoError(t, err)
	d, err := app.Discover(ctx, st, scoring.DefaultScorecards(), accounts, app.DiscoveryOptions{Now: func() time.Time { return day }})
	require.NoError(t, err)
	require.True(t, d.Learned)
	logins, ok := d.Cards.Catalog().Metric("logins")
	require.True(t, ok)
	require.Equal(t, scoring.DirectionLearned, logins.DirectionFrom)
	require.True(t, logins.HigherIsBetter, "churners logged in less")
	tickets, _ := d.Cards.Catalog().Metric("tickets_open")
	require.False(t, tickets.DirectionKnown(), "noise stays unknown")

	// The stored profiles carry the directions: a plain scoring run
	// (default discovery options, nothing refreshed) scores every live account.
	scores, _, err := app.ComputeScores(ctx, st, scoring.DefaultScorecards(), day)
	require.NoError(t, err)
	require.Len(t, scores, 35)
	for _, s := range scores {
		require.True(t, s.HasScore(), "account %d: %v", s.AccountID, s.Unscored)
		require.Equal(t, 1.0, s.Confidence)
	}
	profiles, _, err := st.MetricProfiles(ctx)
	require.NoError(t, err)
	require.Len(t, profiles, 3)
	require.NotNil(t, profiles[0].Direction)
	require.Equal(t, "logins", profiles[0].Signal)
	require.Equal(t, 25, profiles[0].Direction.Churned)
}

func TestANewSignalKeyJoinsTheNextRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := ownPortfolio(t, 0)
	day := scoring.Day(ownSnapshot.AddDate(0, 0, 1))
	_, err := st.RefreshMetricProfiles(ctx, day)
	require.NoError(t, err)
	accounts, err := st.Accounts(ctx)
	require.NoError(t, err)
	_, err = st.IntakeSignals(ctx, []store.IntakeSignal{{AccountID: accounts[0].ID, Metric: "seat_count", ObservedAt: ownSnapshot,
		Value: 4, Source: "csv"}})
	require.NoError(t, err)
	scores, _, err := app.ComputeScores(ctx, st, scoring.DefaultScorecards(), day)
	require.NoError(t, err)
	found := false
	for _, s := range scores {
		for _, c := range s.Drivers {
			found = found || c.Metric == "seat_count"
		}
	}
	require.True(t, found, "the new signal is not among the drivers")
}
