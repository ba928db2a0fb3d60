package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

var demoDay = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC) // a Monday

// demoFixture is a two-CSM, three-account portfolio: one live account per
// CSM and one churned account, with daily usage and weekly pulses.
func demoFixture() store.DemoData {
	d := store.DemoData{
		CSMs: []scoring.CSM{
			{ID: 1, SlackUserID: "U0DEMO01", Email: "ann@healthbot-demo.example", Name: "Ann", TZ: "Europe/Berlin", Active: true},
			{ID: 2, SlackUserID: "U0DEMO02", Email: "bob@healthbot-demo.example", Name: "Bob", TZ: "America/New_York", Active: true},
		},
		Accounts: []scoring.Account{
			demoAccount(1, "Enterprise", 1, 50000, time.Time{}),
			demoAccount(2, "SMB", 2, 500, time.Time{}),
			demoAccount(3, "SMB", 2, 400, demoDay.AddDate(0, 0, 14)),
		},
	}
	for id := int64(1); id <= 3; id++ {
		for day := range 120 {
			at := demoDay.AddDate(0, 0, day-100)
			if c := d.Accounts[id-1].ChurnedAt; !c.IsZero() && !at.Before(c) {
				break
			}
			v := 0.8
			if day >= 100-28 {
				v = 0.8 - 0.2*float64(id-1) // account 3 drops most
			}
			d.Signals = append(d.Signals, scoring.Observation{AccountID: id, Metric: "active_user_ratio", ObservedAt: at, Value: v, Source: "demo"})
		}
	}
	// Three weeks of pulses; Bob skips account 2 in the last week.
	for w := range 3 {
		monday := demoDay.AddDate(0, 0, 7*w)
		d.Pulses = append(d.Pulses, demoPulse(1, 1, monday, scoring.RatingHealthy, nil, ""))
		if w < 2 {
			d.Pulses = append(d.Pulses, demoPulse(2, 2, monday, scoring.RatingConcerning, []string{"low_adoption"}, "rollout stalled"))
		}
		if w < 2 { // account 3 churns on week three's Monday
			d.Pulses = append(d.Pulses, demoPulse(3, 2, monday, scoring.RatingPoor, []string{"budget_cut"}, "cutting tools"))
		}
	}
	return d
}

func demoAccount(id int64, segment string, owner int64, mrr float64, churned time.Time) scoring.Account {
	ext := map[int64]string{1: "demo-0001", 2: "demo-0002", 3: "demo-0003"}[id]
	return scoring.Account{
		ID: id, ExternalID: ext, Name: "Account " + ext, Segment: segment, OwnerID: owner, Plan: "Team", MRR: mrr, Seats: 20,
		StartedAt: demoDay.AddDate(-1, 0, 0), RenewalDate: demoDay.AddDate(0, 6, 0), ChurnedAt: churned,
		Attributes: map[string]any{"demo": true},
	}
}

func demoPulse(account, csm int64, monday time.Time, r scoring.Rating, reasons []string, note string) scoring.Pulse {
	return scoring.Pulse{AccountID: account, CSMID: csm, Rating: r, Reasons: reasons, Note: note,
		Week: scoring.ISOWeek(monday), AnsweredAt: monday.Add(10 * time.Hour), Source: "demo"}
}

func setupDemo(t *testing.T) (*store.Store, *pgxpool.Pool) {
	t.Helper()
	pool := storetest.Schema(t)
	return store.New(pool), pool
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int64 {
	t.Helper()
	var n int64
	require.NoError(t, pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func TestLoadDemoWritesThePortfolio(t *testing.T) {
	t.Parallel()
	st, pool := setupDemo(t)
	ctx := context.Background()
	d := demoFixture()

	res, err := st.LoadDemo(ctx, d, false)
	require.NoError(t, err)
	require.Equal(t, store.DemoLoad{CSMs: 2, Accounts: 3, Signals: int64(len(d.Signals)), Pulses: 7}, res)
	require.Equal(t, int64(len(d.Signals)), count(t, pool, "SELECT count(*) FROM signal"))

	acct, err := st.AccountByExternalID(ctx, "demo-0003")
	require.NoError(t, err)
	require.Equal(t, demoDay.AddDate(0, 0, 14), acct.ChurnedAt)
	require.Equal(t, 400.0, acct.MRR)
	bob, err := st.CSMBySlackID(ctx, "U0DEMO02")
	require.NoError(t, err)
	require.Equal(t, bob.ID, acct.OwnerID)
	require.Equal(t, "America/New_York", bob.TZ)

	first := d.Signals[0]
	require.Equal(t, int64(1), count(t, pool, `SELECT count(*) FROM signal s JOIN account a ON a.id = s.account_id
		WHERE a.external_id = 'demo-0001' AND s.metric = $1 AND s.observed_at = $2 AND s.source = 'demo'`, first.Metric, first.ObservedAt))
	require.Equal(t, int64(1), count(t, pool, "SELECT count(*) FROM pulse WHERE reasons = '{}' AND rating = 'healthy' AND week = $1",
		scoring.ISOWeek(demoDay)))

	// The key and index dropped for the COPY are back and enforced.
	require.Equal(t, int64(2), count(t, pool, `SELECT count(*) FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'signal'
		AND indexname IN ('signal_pkey', 'signal_interest_idx')`))
	_, err = pool.Exec(ctx, "INSERT INTO signal (account_id, metric, observed_at, value, source) SELECT account_id, metric, observed_at, 2, source FROM signal LIMIT 1")
	require.ErrorContains(t, err, "signal_")
	require.ErrorContains(t, err, "pkey")
}

func TestLoadDemoReplacesThePreviousDemo(t *testing.T) {
	t.Parallel()
	st, pool := setupDemo(t)
	ctx := context.Background()
	_, err := st.LoadDemo(ctx, demoFixture(), false)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO score (account_id, as_of, scorecard, score, band, confidence)
		SELECT id, '2026-03-01', 'default', 50, 'yellow', 1 FROM account`)
	require.NoError(t, err)

	res, err := st.LoadDemo(ctx, demoFixture(), false)
	require.NoError(t, err)
	require.Equal(t, int64(3), res.RemovedAccounts)
	require.Equal(t, int64(3), count(t, pool, "SELECT count(*) FROM account"))
	require.Equal(t, int64(2), count(t, pool, "SELECT count(*) FROM csm"))
	require.Equal(t, int64(7), count(t, pool, "SELECT count(*) FROM pulse"))
	require.Equal(t, int64(0), count(t, pool, "SELECT count(*) FROM score"))
}

func TestLoadDemoRefusesToDeleteRealDataUnlessReset(t *testing.T) {
	t.Parallel()
	st, pool := setupDemo(t)
	ctx := context.Background()
	_, err := st.UpsertAccount(ctx, scoring.Account{ExternalID: "crm-1", Name: "Real Customer"})
	require.NoError(t, err)
	_, err = st.EnsureCSM(ctx, "real@corp.example", "UREAL1", "Real CSM")
	require.NoError(t, err)
	// A demo CSM played by a real Slack user (demo --slack-user) is demo data.
	_, err = st.EnsureCSM(ctx, "maya.chen@"+store.DemoEmailDomain, "UTRIER1", "Maya Chen")
	require.NoError(t, err)

	_, err = st.LoadDemo(ctx, demoFixture(), false)
	var nd *store.NonDemoDataError
	require.True(t, errors.As(err, &nd), "got %v", err)
	require.Equal(t, store.NonDemoDataError{Accounts: 1, CSMs: 1}, *nd)
	require.Contains(t, err.Error(), "--reset")
	require.Equal(t, int64(0), count(t, pool, "SELECT count(*) FROM signal"), "nothing written")
	require.Equal(t, int64(1), count(t, pool, "SELECT count(*) FROM account"))

	res, err := st.LoadDemo(ctx, demoFixture(), true)
	require.NoError(t, err)
	require.Equal(t, int64(1), res.RemovedAccounts)
	require.Equal(t, int64(0), count(t, pool, "SELECT count(*) FROM account WHERE external_id = 'crm-1'"))
	require.Equal(t, int64(0), count(t, pool, "SELECT count(*) FROM csm WHERE email = 'real@corp.example'"))
}

func TestLoadDemoRollsBackOnABadRow(t *testing.T) {
	t.Parallel()
	st, pool := setupDemo(t)
	ctx := context.Background()
	_, err := st.LoadDemo(ctx, demoFixture(), false)
	require.NoError(t, err)

	bad := demoFixture()
	bad.Pulses = append(bad.Pulses, demoPulse(9, 1, demoDay, scoring.RatingHealthy, nil, ""))
	_, err = st.LoadDemo(ctx, bad, false)
	require.ErrorContains(t, err, "account 9")
	require.Equal(t, int64(3), count(t, pool, "SELECT count(*) FROM account"), "the previous demo is intact")
	require.Equal(t, int64(7), count(t, pool, "SELECT count(*) FROM pulse"))
}

func TestPortfolioSummaryQueries(t *testing.T) {
	t.Parallel()
	st, _ := setupDemo(t)
	ctx := context.Background()
	d := demoFixture()
	_, err := st.LoadDemo(ctx, d, false)
	require.NoError(t, err)

	segs, err := st.PortfolioSegments(ctx)
	require.NoError(t, err)
	require.Equal(t, []store.PortfolioSegment{
		{Segment: "Enterprise", Accounts: 1, LiveMRR: 50000, LiveSeats: 20},
		{Segment: "SMB", Accounts: 2, Churned: 1, LiveMRR: 500, LiveSeats: 20},
	}, segs)

	csms, err := st.PortfolioCSMs(ctx)
	require.NoError(t, err)
	require.Len(t, csms, 2)
	ann, bob := csms[0], csms[1]
	require.Equal(t, "Ann", ann.Name)
	// Three pulse weeks: Ann's account was due all three; Bob's live account
	// three times and the churned one twice (it churned before week three).
	require.Equal(t, [4]int64{1, 0, 3, 3}, [4]int64{ann.LiveAccounts, ann.ChurnedAccounts, ann.PulsesDue, ann.PulsesAnswered})
	require.Equal(t, [4]int64{1, 1, 5, 4}, [4]int64{bob.LiveAccounts, bob.ChurnedAccounts, bob.PulsesDue, bob.PulsesAnswered})

	spans, err := st.MetricSpans(ctx)
	require.NoError(t, err)
	require.Len(t, spans, 1)
	require.Equal(t, int64(len(d.Signals)), spans[0].Count)
	require.Equal(t, demoDay.AddDate(0, 0, -100), spans[0].First.UTC())

	trends, err := st.AccountTrends(ctx, "active_user_ratio")
	require.NoError(t, err)
	require.Len(t, trends, 3)
	require.True(t, trends[0].HasUsage)
	require.InDelta(t, 0.8, trends[0].UsageRecent, 1e-9)
	require.InDelta(t, 0.4, trends[2].UsageRecent, 1e-9)
	require.InDelta(t, 0.8, trends[2].UsageEarlier, 1e-9)
	require.Equal(t, "Bob", trends[2].OwnerName)
	require.Equal(t, scoring.RatingPoor, trends[2].LastPulse.Rating)
	require.Equal(t, []string{"budget_cut"}, trends[2].LastPulse.Reasons)
	require.Equal(t, "cutting tools", trends[2].LastPulse.Note)
}
