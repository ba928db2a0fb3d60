// Package asktest seeds the small portfolio the question tools are tested
// on, for bot/ask, the MCP server and the Slack end-to-end tests alike.
package asktest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Now is the tests' clock: Monday 2 March 2026, 10:00 UTC.
var Now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// Today is Now's date.
var Today = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// Fixture is a small portfolio: ids by external id.
type Fixture struct {
	St  *store.Store
	IDs map[string]int64
}

// Seed writes four live accounts (and a churned one) with 29 days of
// scores, a pulse and an alert:
//
//	Acme Logistics  Enterprise  Dana  60 → 30 (red)     $12,000  renews in 20 days
//	Globex          Enterprise  Fox   50 → 80 (green)    $8,000  renews in 200 days
//	Initech         SMB         Dana  55 flat (yellow)     $500  renews in 45 days
//	Hooli           SMB         Fox   48 → 42 (yellow)     $300  renews in 10 days
func Seed(t testing.TB, st *store.Store) Fixture {
	t.Helper()
	ctx := context.Background()
	fx := Fixture{St: st, IDs: map[string]int64{}}
	dana, err := st.EnsureCSM(ctx, "dana@example.com", "UDANA", "Dana Scully")
	require.NoError(t, err)
	fox, err := st.EnsureCSM(ctx, "fox@example.com", "UFOX", "Fox Mulder")
	require.NoError(t, err)
	for _, a := range []scoring.Account{
		{ExternalID: "acme", Name: "Acme Logistics", Domain: "acme.com", Segment: "Enterprise", OwnerID: dana, MRR: 12000, Seats: 40, RenewalDate: Today.AddDate(0, 0, 20)},
		{ExternalID: "globex", Name: "Globex", Domain: "globex.io", Segment: "Enterprise", OwnerID: fox, MRR: 8000, RenewalDate: Today.AddDate(0, 0, 200)},
		{ExternalID: "initech", Name: "Initech", Segment: "SMB", OwnerID: dana, MRR: 500, RenewalDate: Today.AddDate(0, 0, 45)},
		{ExternalID: "hooli", Name: "Hooli", Segment: "SMB", OwnerID: fox, MRR: 300, RenewalDate: Today.AddDate(0, 0, 10)},
		{ExternalID: "gone", Name: "Gone Inc", Segment: "SMB", MRR: 100, ChurnedAt: Today.AddDate(0, -1, 0)},
	} {
		id, err := st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		fx.IDs[a.ExternalID] = id
	}
	fx.Scores(t, "acme", 60, 30, []scoring.Contribution{
		{Metric: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users", Score: 12, Weight: 0.3, Contribution: -11.4, Detail: "12th percentile of Enterprise peers — 4 of 40 seats active"},
		{Metric: "csat", Family: scoring.FamilyEngagement, Label: "CSAT", Score: 70, Weight: 0.1, Contribution: 2, Detail: "CSAT 4.5 over 90 days"},
	})
	fx.Scores(t, "globex", 50, 80, nil)
	fx.Scores(t, "initech", 55, 55, nil)
	fx.Scores(t, "hooli", 48, 42, nil)
	fx.Scores(t, "gone", 10, 10, nil)
	fx.Pulse(t, "acme", "poor", "Champion left; budget cut.")
	fx.Alert(t, "acme", "turned_red", "Acme Logistics turned red (score 30)")
	return fx
}

// Scores writes 29 daily scores moving linearly from → to.
func (fx Fixture) Scores(t testing.TB, ext string, from, to float64, drivers []scoring.Contribution) {
	t.Helper()
	contrib, err := json.Marshal(drivers)
	require.NoError(t, err)
	if drivers == nil {
		contrib = []byte("[]")
	}
	for i := 0; i <= 28; i++ {
		v := from + (to-from)*float64(i)/28
		band := scoring.BandRed
		switch {
		case v >= 70:
			band = scoring.BandGreen
		case v >= 40:
			band = scoring.BandYellow
		}
		_, err := fx.St.DB().Exec(context.Background(),
			`INSERT INTO score (account_id, as_of, scorecard, score, band, confidence, subscores, contributions)
			 VALUES ($1, $2, 'default', $3, $4, 0.8, '{"usage": 20, "engagement": 55}', $5)`,
			fx.IDs[ext], Today.AddDate(0, 0, i-28), v, string(band), contrib)
		require.NoError(t, err)
	}
	// Written past UpsertScores, so the current state is rebuilt by hand.
	require.NoError(t, fx.St.RebuildState(context.Background()))
}

// Pulse records this week's pulse by the owner.
func (fx Fixture) Pulse(t testing.TB, ext, rating, note string) {
	t.Helper()
	_, err := fx.St.DB().Exec(context.Background(),
		`INSERT INTO pulse (account_id, csm_id, rating, note, week, answered_at)
		 SELECT id, owner_id, $2, $3, $4, $5 FROM account WHERE id = $1`,
		fx.IDs[ext], rating, note, scoring.ISOWeek(Now), Now.Add(-time.Hour))
	require.NoError(t, err)
}

// Alert fires an open alert a day ago.
func (fx Fixture) Alert(t testing.TB, ext, kind, summary string) {
	t.Helper()
	_, err := fx.St.DB().Exec(context.Background(),
		`INSERT INTO alert (account_id, kind, dedup_key, fired_at, summary) VALUES ($1, $2, $3, $4, $5)`,
		fx.IDs[ext], kind, ext+":"+kind, Now.Add(-24*time.Hour), summary)
	require.NoError(t, err)
}
