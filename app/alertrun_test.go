package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// resolvingWriter is an AlertWriter that records resolutions and must not
// be asked to fire or reopen anything.
type resolvingWriter struct {
	t        *testing.T
	resolved []int64
}

func (w *resolvingWriter) InsertAlert(context.Context, store.NewAlert) (store.AlertRecord, bool, error) {
	w.t.Error("InsertAlert: nothing may fire for an account that is not alive")
	return store.AlertRecord{}, false, nil
}

func (w *resolvingWriter) ResolveAlert(_ context.Context, id int64, _ string, _ time.Time) (store.AlertRecord, error) {
	w.resolved = append(w.resolved, id)
	return store.AlertRecord{Alert: scoring.Alert{ID: id}}, nil
}

func (w *resolvingWriter) ReopenAlert(context.Context, int64, string, time.Time) (store.AlertRecord, error) {
	w.t.Error("ReopenAlert: nothing may reopen for an account that is not alive")
	return store.AlertRecord{}, nil
}

// Live alerts of an account that churned resolve as "churned"; its
// resolved ones stay as they are, and an account that has not started yet
// is left alone (its alerts wait for it).
func TestApplyAlertsResolvesTheLiveAlertsOfChurnedAccounts(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	churned := scoring.Account{ID: 1, Name: "Gone", ChurnedAt: day.AddDate(0, 0, -3)}
	future := scoring.Account{ID: 2, Name: "Not yet", StartedAt: day.AddDate(0, 1, 0)}
	w := &app.AlertWorld{Day: day, At: app.ScoreTime(day), Accounts: []scoring.Account{churned, future},
		Alerts: map[int64][]scoring.Alert{
			1: {{ID: 10, Kind: scoring.AlertTurnedRed, State: scoring.AlertOpen},
				{ID: 11, Kind: scoring.AlertUsageDrop, State: scoring.AlertResolved},
				{ID: 12, Kind: scoring.AlertPulsePoor, State: scoring.AlertSnoozed}},
			2: {{ID: 20, Kind: scoring.AlertTurnedRed, State: scoring.AlertOpen}},
		}}
	st := &resolvingWriter{t: t}
	changes, n, err := app.ApplyAlerts(context.Background(), st, w, scoring.DefaultScorecards(), day.Add(9*time.Hour), false)
	require.NoError(t, err)
	require.Equal(t, []int64{10, 12}, st.resolved)
	require.Equal(t, app.AlertCounts{Resolved: 2}, n)
	require.Len(t, changes, 2)
	for _, c := range changes {
		require.Equal(t, scoring.ActionResolve, c.Action)
		require.Equal(t, app.ResolvedChurned, c.Summary)
	}
}
