package ask_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// now is the tests' clock: Monday 2 March 2026, 10:00 UTC.
var now = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

var today = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

type options struct {
	script []step                    // the model's replies; none means no model configured
	tweak  func(*ask.Config)         // config changes
	pool   bool                      // a fresh schema with its own pool instead of a rolled-back transaction
	seed   func(*testing.T, fixture) // extra rows
}

type bundle struct {
	asker *ask.Asker
	model *fakeModel // nil without a model
	st    *store.Store
	fx    fixture
}

func setup(t *testing.T, o options) bundle {
	t.Helper()
	var st *store.Store
	if o.pool {
		st = store.New(storetest.Schema(t))
	} else {
		st = storetest.Store(t)
	}
	fx := seed(t, st)
	if o.seed != nil {
		o.seed(t, fx)
	}
	cfg := ask.Config{
		Metrics: []scoring.Metric{{Key: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users", HigherIsBetter: true, Feature: scoring.FeatureLatest}},
		Now:     func() time.Time { return now },
	}
	b := bundle{st: st, fx: fx}
	var client ask.ChatClient
	if o.script != nil {
		b.model = newFakeModel(t, o.script...)
		c, err := ask.NewClient("test-key", b.model.baseURL(), b.model.srv.Client())
		require.NoError(t, err)
		client, cfg.Model = c, "test-model"
	}
	if o.tweak != nil {
		o.tweak(&cfg)
	}
	a, err := ask.New(st, client, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	b.asker = a
	return b
}

// fixture is a small portfolio: ids by external id.
type fixture struct {
	st  *store.Store
	ids map[string]int64
}

// seed writes four live accounts (and a churned one) with 29 days of
// scores, a pulse and an alert:
//
//	Acme Logistics  Enterprise  Dana  60 → 30 (red)     $12,000  renews in 20 days
//	Globex          Enterprise  Fox   50 → 80 (green)    $8,000  renews in 200 days
//	Initech         SMB         Dana  55 flat (yellow)     $500  renews in 45 days
//	Hooli           SMB         Fox   48 → 42 (yellow)     $300  renews in 10 days
func seed(t *testing.T, st *store.Store) fixture {
	t.Helper()
	ctx := context.Background()
	fx := fixture{st: st, ids: map[string]int64{}}
	dana, err := st.EnsureCSM(ctx, "dana@example.com", "UDANA", "Dana Scully")
	require.NoError(t, err)
	fox, err := st.EnsureCSM(ctx, "fox@example.com", "UFOX", "Fox Mulder")
	require.NoError(t, err)
	for _, a := range []scoring.Account{
		{ExternalID: "acme", Name: "Acme Logistics", Domain: "acme.com", Segment: "Enterprise", OwnerID: dana, MRR: 12000, Seats: 40, RenewalDate: today.AddDate(0, 0, 20)},
		{ExternalID: "globex", Name: "Globex", Domain: "globex.io", Segment: "Enterprise", OwnerID: fox, MRR: 8000, RenewalDate: today.AddDate(0, 0, 200)},
		{ExternalID: "initech", Name: "Initech", Segment: "SMB", OwnerID: dana, MRR: 500, RenewalDate: today.AddDate(0, 0, 45)},
		{ExternalID: "hooli", Name: "Hooli", Segment: "SMB", OwnerID: fox, MRR: 300, RenewalDate: today.AddDate(0, 0, 10)},
		{ExternalID: "gone", Name: "Gone Inc", Segment: "SMB", MRR: 100, ChurnedAt: today.AddDate(0, -1, 0)},
	} {
		id, err := st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		fx.ids[a.ExternalID] = id
	}
	fx.scores(t, "acme", 60, 30, []scoring.Contribution{
		{Metric: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users", Score: 12, Weight: 0.3, Contribution: -11.4, Detail: "12th percentile of Enterprise peers — 4 of 40 seats active"},
		{Metric: "csat", Family: scoring.FamilyEngagement, Label: "CSAT", Score: 70, Weight: 0.1, Contribution: 2, Detail: "CSAT 4.5 over 90 days"},
	})
	fx.scores(t, "globex", 50, 80, nil)
	fx.scores(t, "initech", 55, 55, nil)
	fx.scores(t, "hooli", 48, 42, nil)
	fx.scores(t, "gone", 10, 10, nil)
	fx.pulse(t, "acme", "poor", "Champion left; budget cut.")
	fx.alert(t, "acme", "turned_red", "Acme Logistics turned red (score 30)")
	return fx
}

func (fx fixture) scores(t *testing.T, ext string, from, to float64, drivers []scoring.Contribution) {
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
		_, err := fx.st.DB().Exec(context.Background(),
			`INSERT INTO score (account_id, as_of, scorecard, score, band, confidence, subscores, contributions)
			 VALUES ($1, $2, 'default', $3, $4, 0.8, '{"usage": 20, "engagement": 55}', $5)`,
			fx.ids[ext], today.AddDate(0, 0, i-28), v, string(band), contrib)
		require.NoError(t, err)
	}
}

func (fx fixture) pulse(t *testing.T, ext, rating, note string) {
	t.Helper()
	_, err := fx.st.DB().Exec(context.Background(),
		`INSERT INTO pulse (account_id, csm_id, rating, note, week, answered_at)
		 SELECT id, owner_id, $2, $3, $4, $5 FROM account WHERE id = $1`,
		fx.ids[ext], rating, note, scoring.ISOWeek(now), now.Add(-time.Hour))
	require.NoError(t, err)
}

func (fx fixture) alert(t *testing.T, ext, kind, summary string) {
	t.Helper()
	_, err := fx.st.DB().Exec(context.Background(),
		`INSERT INTO alert (account_id, kind, dedup_key, fired_at, summary) VALUES ($1, $2, $3, $4, $5)`,
		fx.ids[ext], kind, ext+":"+kind, now.Add(-24*time.Hour), summary)
	require.NoError(t, err)
}

// userError asserts err is a user-safe error with this code.
func userError(t *testing.T, err error, code string) *bot.UserError {
	t.Helper()
	require.Error(t, err)
	ue, ok := err.(*bot.UserError)
	require.True(t, ok, "want *bot.UserError, got %T: %v", err, err)
	require.Equal(t, code, ue.Code, ue.Message)
	require.NotContains(t, ue.Message, "goroutine")
	require.NotContains(t, ue.Message, "scripted failure", "the raw model error stays in the log")
	return ue
}
