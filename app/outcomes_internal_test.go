package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
)

func TestDetectRenewals(t *testing.T) {
	t.Parallel()
	today := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	d := func(days int) time.Time { return today.AddDate(0, 0, days) }
	for _, tc := range []struct {
		name   string
		change store.RenewalChange
		want   bool
	}{
		{"first sighting is a baseline", store.RenewalChange{RenewalDate: d(300)}, false},
		{"due date passed, moved a year on", store.RenewalChange{SeenDate: d(-3), RenewalDate: d(362)}, true},
		{"renewed early, within 90 days of the due date", store.RenewalChange{SeenDate: d(80), RenewalDate: d(445)}, true},
		{"far from due: a correction", store.RenewalChange{SeenDate: d(200), RenewalDate: d(565)}, false},
		{"moved by days: a correction", store.RenewalChange{SeenDate: d(10), RenewalDate: d(20)}, false},
		{"moved earlier", store.RenewalChange{SeenDate: d(10), RenewalDate: d(-20)}, false},
		{"churned", store.RenewalChange{SeenDate: d(-3), RenewalDate: d(362), ChurnedAt: d(-1)}, false},
		{"churn scheduled later", store.RenewalChange{SeenDate: d(-3), RenewalDate: d(362), ChurnedAt: d(30)}, true},
	} {
		got := detectRenewals([]store.RenewalChange{tc.change}, today)
		require.Equal(t, tc.want, len(got) == 1, tc.name)
		if tc.want {
			require.Equal(t, store.NewOutcome{Kind: store.OutcomeRenewal, OccurredOn: tc.change.SeenDate, NextRenewal: tc.change.RenewalDate}, got[0], tc.name)
		}
	}
	churns := detectChurns([]store.ChurnCandidate{{AccountID: 1, ChurnedAt: d(-2)}, {AccountID: 2, ChurnedAt: d(5)}, {AccountID: 3, ChurnedAt: today}}, today)
	require.Equal(t, []store.NewOutcome{
		{AccountID: 1, Kind: store.OutcomeChurn, OccurredOn: d(-2)},
		{AccountID: 3, Kind: store.OutcomeChurn, OccurredOn: today},
	}, churns, "a churn dated in the future waits until it happens")
}
