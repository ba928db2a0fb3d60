package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// askDay is "today" in these tests.
var askDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

type askFixture struct {
	s   *store.Store
	ids map[string]int64
}

// askSetup seeds three live accounts and one churned one with daily scores.
func askSetup(t *testing.T) askFixture {
	t.Helper()
	ctx := context.Background()
	s := storetest.Store(t)
	f := askFixture{s: s, ids: map[string]int64{}}
	dana, err := s.EnsureCSM(ctx, "dana@example.com", "UDANA", "Dana Scully")
	require.NoError(t, err)
	fox, err := s.EnsureCSM(ctx, "fox@example.com", "UFOX", "Fox Mulder")
	require.NoError(t, err)
	for _, a := range []scoring.Account{
		{ExternalID: "acme", Name: "Acme Logistics", Domain: "acme.com", Segment: "Enterprise", OwnerID: dana, MRR: 12000, RenewalDate: askDay.AddDate(0, 0, 20)},
		{ExternalID: "globex", Name: "Globex", Segment: "Enterprise", OwnerID: fox, MRR: 8000, RenewalDate: askDay.AddDate(0, 0, 200)},
		{ExternalID: "initech", Name: "Initech 100%_off", Segment: "SMB", OwnerID: dana, MRR: 500, RenewalDate: askDay.AddDate(0, 0, 45)},
		{ExternalID: "gone", Name: "Gone Inc", Segment: "SMB", MRR: 100, ChurnedAt: askDay.AddDate(0, -1, 0)},
	} {
		id, err := s.UpsertAccount(ctx, a)
		require.NoError(t, err)
		f.ids[a.ExternalID] = id
	}
	// acme falls from 60 to 30 over 28 days, globex rises 50→80, initech flat 55.
	f.scores(t, "acme", 60, 30)
	f.scores(t, "globex", 50, 80)
	f.scores(t, "initech", 55, 55)
	f.scores(t, "gone", 10, 10)
	return f
}

// scores writes one score a day for the 29 days up to askDay, moving
// linearly from `from` to `to`.
func (f askFixture) scores(t *testing.T, ext string, from, to float64) {
	t.Helper()
	for i := 0; i <= 28; i++ {
		v := from + (to-from)*float64(i)/28
		band := "red"
		switch {
		case v >= 70:
			band = "green"
		case v >= 40:
			band = "yellow"
		}
		_, err := f.s.DB().Exec(context.Background(),
			`INSERT INTO score (account_id, as_of, scorecard, score, band, confidence, subscores, contributions)
			 VALUES ($1, $2, 'default', $3, $4, 0.9, '{"usage": 20, "pulse": 60}', $5)`,
			f.ids[ext], askDay.AddDate(0, 0, i-28), v, band,
			`[{"metric":"active_users","family":"usage","label":"Active users","value":0.1,"score":12,"weight":0.3,"contribution":-11.4,"detail":"12th percentile"}]`)
		require.NoError(t, err)
	}
	// Written past UpsertScores, so the current state is rebuilt by hand.
	require.NoError(t, f.s.RebuildState(context.Background()))
}

func ptr[T any](v T) *T { return &v }

func names(bs []store.AskBrief) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Name
	}
	return out
}

func TestAskSearchAccounts(t *testing.T) {
	t.Parallel()
	f := askSetup(t)
	ctx := context.Background()
	cases := []struct {
		name   string
		filter store.AskFilter
		want   []string
	}{
		{"all live by score", store.AskFilter{}, []string{"Acme Logistics", "Initech 100%_off", "Globex"}},
		{"red", store.AskFilter{Band: scoring.BandRed}, []string{"Acme Logistics"}},
		{"segment any case", store.AskFilter{Segment: "enterprise", Sort: "score_desc"}, []string{"Globex", "Acme Logistics"}},
		{"owner by name part", store.AskFilter{Owner: "scully"}, []string{"Acme Logistics", "Initech 100%_off"}},
		{"owner by slack id", store.AskFilter{Owner: "UFOX"}, []string{"Globex"}},
		{"owner by email", store.AskFilter{Owner: "FOX@example.com"}, []string{"Globex"}},
		{"owner wildcard is literal", store.AskFilter{Owner: "%"}, []string{}},
		{"renewing in 30 days", store.AskFilter{RenewalWithinDays: ptr(30)}, []string{"Acme Logistics"}},
		{"renewing in 60 days by date", store.AskFilter{RenewalWithinDays: ptr(60), Sort: "renewal_asc"}, []string{"Acme Logistics", "Initech 100%_off"}},
		{"score range", store.AskFilter{MinScore: ptr(50.0), MaxScore: ptr(60.0)}, []string{"Initech 100%_off"}},
		{"dropping over 28d", store.AskFilter{Trend: "dropping"}, []string{"Acme Logistics"}},
		{"rising over 7d", store.AskFilter{Trend: "rising", TrendDays: 7}, []string{"Globex"}},
		{"biggest drops first", store.AskFilter{Sort: "change_asc"}, []string{"Acme Logistics", "Initech 100%_off", "Globex"}},
		{"mrr", store.AskFilter{Sort: "mrr_desc", Limit: 2}, []string{"Acme Logistics", "Globex"}},
	}
	for _, c := range cases {
		c.filter.AsOf = askDay
		got, total, err := f.s.AskSearchAccounts(ctx, c.filter)
		require.NoError(t, err, c.name)
		require.Equal(t, c.want, names(got), c.name)
		if c.filter.Limit == 0 {
			require.Equal(t, len(c.want), total, c.name)
		}
	}

	got, total, err := f.s.AskSearchAccounts(ctx, store.AskFilter{AsOf: askDay, Sort: "mrr_desc", Limit: 1})
	require.NoError(t, err)
	require.Equal(t, 3, total, "total counts every match, not just the page")
	acme := got[0]
	require.InDelta(t, 30, acme.Score, 1e-9)
	require.Equal(t, scoring.BandRed, acme.Band)
	require.InDelta(t, -30, *acme.Change28d, 1e-9)
	require.InDelta(t, -7.5, *acme.Change7d, 1e-9)
	require.Equal(t, "Dana Scully", acme.Owner)
	require.True(t, acme.RenewalDate.Equal(askDay.AddDate(0, 0, 20)))

	got, _, err = f.s.AskSearchAccounts(ctx, store.AskFilter{AsOf: askDay, Limit: 1000})
	require.NoError(t, err)
	require.LessOrEqual(t, len(got), store.AskMaxRows)
}

func TestAskAccountHistoryAlertsPulses(t *testing.T) {
	t.Parallel()
	f := askSetup(t)
	ctx := context.Background()
	d, err := f.s.AskAccount(ctx, f.ids["acme"], askDay)
	require.NoError(t, err)
	require.Equal(t, "Acme Logistics", d.Name)
	require.Equal(t, "UDANA", d.OwnerSlackID)
	require.InDelta(t, 20, d.Subscores[scoring.FamilyUsage], 1e-9)
	require.Len(t, d.Drivers, 1)
	require.Equal(t, "Active users", d.Drivers[0].Label)
	require.InDelta(t, 0.9, d.Confidence, 1e-9)

	// As of two weeks ago the latest score is older and higher.
	d, err = f.s.AskAccount(ctx, f.ids["acme"], askDay.AddDate(0, 0, -14))
	require.NoError(t, err)
	require.InDelta(t, 45, d.Score, 1e-9)

	_, err = f.s.AskAccount(ctx, 999999, askDay)
	require.ErrorIs(t, err, store.ErrNotFound)

	h, err := f.s.AskScoreHistory(ctx, f.ids["acme"], askDay, 7)
	require.NoError(t, err)
	require.Len(t, h, 7)
	require.True(t, h[6].AsOf.Equal(askDay))
	h, err = f.s.AskScoreHistory(ctx, f.ids["acme"], askDay, 100000)
	require.NoError(t, err)
	require.Len(t, h, 29)

	_, err = f.s.DB().Exec(ctx, `INSERT INTO alert (account_id, kind, dedup_key, fired_at, summary, state, snoozed_until) VALUES
		($1, 'turned_red', 'a1', $2, 'Acme turned red', 'open', NULL),
		($1, 'drop', 'a2', $3, 'Acme dropped', 'snoozed', $4),
		($1, 'old', 'a3', $3, 'old one', 'resolved', NULL),
		($5, 'upsell', 'g1', $2, 'Globex upsell', 'snoozed', $6)`,
		f.ids["acme"], askDay, askDay.AddDate(0, 0, -3), askDay.AddDate(0, 0, 3), f.ids["globex"], askDay.AddDate(0, 0, -1))
	require.NoError(t, err)
	al, err := f.s.AskAlerts(ctx, f.ids["acme"], "open", askDay, 10)
	require.NoError(t, err)
	require.Len(t, al, 1, "snoozed until later is not open")
	require.Equal(t, "Acme Logistics", al[0].Account)
	al, err = f.s.AskAlerts(ctx, 0, "", askDay, 10)
	require.NoError(t, err)
	require.Len(t, al, 2, "open across accounts includes a snooze that ran out")
	al, err = f.s.AskAlerts(ctx, f.ids["acme"], "unresolved", askDay, 10)
	require.NoError(t, err)
	require.Len(t, al, 2)
	al, err = f.s.AskAlerts(ctx, f.ids["acme"], "all", askDay, 2)
	require.NoError(t, err)
	require.Len(t, al, 2, "limit")

	_, err = f.s.DB().Exec(ctx, `INSERT INTO pulse (account_id, csm_id, rating, note, week, answered_at)
		SELECT $1, owner_id, 'poor', 'champion left', '2026-W09', $2 FROM account WHERE id = $1`, f.ids["acme"], askDay)
	require.NoError(t, err)
	ps, err := f.s.AskPulses(ctx, f.ids["acme"], 5)
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.Equal(t, scoring.RatingPoor, ps[0].Rating)
	require.Equal(t, "Dana Scully", ps[0].CSMName)
	require.Equal(t, "champion left", ps[0].Note)
}

func TestAskPortfolioAndVocabulary(t *testing.T) {
	t.Parallel()
	f := askSetup(t)
	ctx := context.Background()
	g, err := f.s.AskPortfolio(ctx, "segment", "", askDay)
	require.NoError(t, err)
	require.Len(t, g, 2)
	require.Equal(t, "Enterprise", g[0].Name)
	require.Equal(t, 2, g[0].Accounts)
	require.Equal(t, 1, g[0].Red)
	require.Equal(t, 1, g[0].Green)
	require.InDelta(t, 55, g[0].AvgScore, 1e-9)
	require.InDelta(t, 20000, g[0].MRR, 1e-9)
	require.InDelta(t, 12000, g[0].MRRRed, 1e-9)
	require.Equal(t, 1, g[0].RenewingIn90Days)
	require.Equal(t, "SMB", g[1].Name)
	require.Equal(t, 1, g[1].Accounts, "churned accounts are left out")

	g, err = f.s.AskPortfolio(ctx, "owner", "", askDay)
	require.NoError(t, err)
	require.Equal(t, "Dana Scully", g[0].Name)
	require.Equal(t, 2, g[0].Accounts)

	g, err = f.s.AskPortfolio(ctx, "none", "smb", askDay)
	require.NoError(t, err)
	require.Len(t, g, 1)
	require.Equal(t, 1, g[0].Yellow)

	names, segments, err := f.s.AskVocabulary(ctx, askDay)
	require.NoError(t, err)
	require.Len(t, names, 3)
	require.Equal(t, []string{"Enterprise", "SMB"}, segments)
	owners, err := f.s.AskOwners(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"Dana Scully", "Fox Mulder"}, owners)
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	write := func(ro *store.Store) error {
		_, err := ro.UpsertAccount(ctx, scoring.Account{ExternalID: "x", Name: "X"})
		return err
	}
	requireReadOnlyViolation := func(t *testing.T, err error) {
		t.Helper()
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr)
		require.Equal(t, "25006", pgErr.Code, "read_only_sql_transaction")
	}

	t.Run("pool", func(t *testing.T) {
		t.Parallel()
		s := store.New(storetest.Schema(t))
		requireReadOnlyViolation(t, s.ReadOnly(ctx, write))
		n := 0
		require.NoError(t, s.ReadOnly(ctx, func(ro *store.Store) error {
			return ro.DB().QueryRow(ctx, "SELECT count(*) FROM account").Scan(&n)
		}))
		require.Zero(t, n)
	})
	t.Run("inside a transaction", func(t *testing.T) {
		t.Parallel()
		s := storetest.Store(t)
		requireReadOnlyViolation(t, s.ReadOnly(ctx, write))
		// The savepoint is gone and the outer transaction writes again.
		_, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "y", Name: "Y"})
		require.NoError(t, err)
	})
}
