package connector

import (
	"context"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
)

// usageWarehouse is a warehouse with daily aggregates for three accounts
// (2 metrics × 5 days) and one account healthbot does not know.
func usageWarehouse(t *testing.T) string {
	t.Helper()
	dsn := warehouse(t)
	execOn(t, dsn,
		`CREATE TABLE daily_usage (customer text, metric text, day date, v numeric)`,
		`INSERT INTO daily_usage
		 SELECT c, m, date '2025-12-01' + d, CASE m WHEN 'active_user_ratio' THEN (d * 10 + length(c)) / 100.0 ELSE d * 10 + length(c) END
		 FROM unnest(ARRAY['acme', 'globex', 'initech', 'stranger']) c,
		      unnest(ARRAY['active_user_ratio', 'seats_used']) m, generate_series(0, 4) d`)
	return dsn
}

const usageQuery = `SELECT customer AS account, metric, day::timestamptz AS observed_at, v::float8 AS value
FROM daily_usage WHERE day >= $1 ORDER BY day, customer, metric`

func usageSource(dsn string, pageRows int) *SQLSource {
	return &SQLSource{Q: SQLQuery{Name: "usage", DSNEnv: "WAREHOUSE_URL", DSN: dsn, Query: usageQuery, PageRows: pageRows}}
}

func TestSQLSourceSyncsOnceThenChangesNothing(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.accounts(t, "acme", "globex", "initech")
	dsn := usageWarehouse(t)

	sum, err := w.run(t, usageSource(dsn, 7), false)
	require.NoError(t, err)
	require.Equal(t, int64(40), sum.Read)
	require.Equal(t, int64(30), sum.Signals.Inserted)
	require.Equal(t, map[string]int{"signals for unknown accounts": 10}, sum.Skipped)
	require.Equal(t, 6, sum.Pages)
	require.Equal(t, 30, w.count(t, `SELECT count(*) FROM signal WHERE source = ''`))
	st := w.state(t, "sql:usage")
	require.Equal(t, "2025-12-05T00:00:00Z", st.Cursor, "the watermark is the latest day read")
	require.Empty(t, st.LastError)
	require.Contains(t, st.LastSummary, "sql:usage: 40 read")

	// The second run reads from the watermark: only the last day, unchanged.
	sum, err = w.run(t, usageSource(dsn, 7), false)
	require.NoError(t, err)
	require.Equal(t, int64(8), sum.Read)
	require.Zero(t, sum.Signals.Inserted+sum.Signals.Updated)
	require.Equal(t, int64(6), sum.Signals.Unchanged)
	require.Equal(t, "sql:usage: 8 read; accounts 0 inserted, 0 updated, 0 unchanged; signals 0 inserted, 0 updated, 6 unchanged; 2 skipped (2 signals for unknown accounts)", sum.String())

	// A later value for a day already read updates it; --full rereads all.
	execOn(t, dsn, `UPDATE daily_usage SET v = 99 WHERE customer = 'acme' AND day = '2025-12-02' AND metric = 'seats_used'`)
	sum, err = w.run(t, usageSource(dsn, 7), true)
	require.NoError(t, err)
	require.Equal(t, int64(40), sum.Read)
	require.Equal(t, int64(1), sum.Signals.Updated)
	require.Equal(t, int64(29), sum.Signals.Unchanged)
}

func TestSQLSourceResumesAfterABadRow(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.accounts(t, "acme", "globex", "initech", "stranger")
	dsn := usageWarehouse(t)
	// Row 21 in query order (day 3, acme, active_user_ratio) has no value.
	execOn(t, dsn, `UPDATE daily_usage SET v = NULL WHERE customer = 'acme' AND day = '2025-12-03' AND metric = 'active_user_ratio'`)

	_, err := w.run(t, usageSource(dsn, 8), false)
	require.EqualError(t, err, "sync sql:usage: row 17: value is null; nothing written for this page")
	require.Equal(t, 16, w.count(t, `SELECT count(*) FROM signal`), "the two pages before the bad one are kept")
	st := w.state(t, "sql:usage")
	require.Equal(t, "2025-12-02T00:00:00Z", st.Cursor)
	require.Contains(t, st.LastError, "value is null")
	require.Empty(t, st.RunBy, "the lease is released")

	execOn(t, dsn, `UPDATE daily_usage SET v = 1 WHERE v IS NULL`)
	sum, err := w.run(t, usageSource(dsn, 8), false)
	require.NoError(t, err)
	require.Equal(t, int64(32), sum.Read, "resumes at the watermark: day 2 again, then days 3 to 5")
	require.Equal(t, int64(24), sum.Signals.Inserted)
	require.Equal(t, int64(8), sum.Signals.Unchanged)
	require.Equal(t, 40, w.count(t, `SELECT count(*) FROM signal`))

	sum, err = w.run(t, usageSource(dsn, 8), true)
	require.NoError(t, err)
	require.Equal(t, int64(40), sum.Signals.Unchanged, "idempotent: a full rerun changes nothing")
	require.Empty(t, w.state(t, "sql:usage").LastError)
}

// The SQL source checks values against their kind's range as the REST and
// CSV intake do (ingest/valid): an active-user ratio of 85 (a percentage
// sent as a ratio) or a negative seat count fails its page, naming every
// bad row of it; it used to be stored as it came.
func TestSQLSourceChecksValueRanges(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.accounts(t, "acme", "globex", "initech", "stranger")
	dsn := usageWarehouse(t)
	execOn(t, dsn, `UPDATE daily_usage SET v = 85 WHERE customer = 'acme' AND day = '2025-12-03' AND metric = 'active_user_ratio'`,
		`UPDATE daily_usage SET v = -2 WHERE customer = 'globex' AND day = '2025-12-03' AND metric = 'seats_used'`)

	_, err := w.run(t, usageSource(dsn, 8), false)
	require.ErrorContains(t, err, "sync sql:usage: row 17: value 85 must be between 0 and 1 for a ratio (active_user_ratio), row 20: value -2 ")
	require.ErrorContains(t, err, "; nothing written for this page")
	var ie *store.ImportError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, []int64{17, 20}, []int64{ie.Rows[0].Line, ie.Rows[1].Line})
	require.Len(t, ie.Rows, 2)
	require.Equal(t, 16, w.count(t, `SELECT count(*) FROM signal`), "the two pages before the bad one are kept")
	require.Equal(t, "2025-12-02T00:00:00Z", w.state(t, "sql:usage").Cursor)
}

func TestSQLSourceErrorsNameTheProblem(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	dsn := usageWarehouse(t)
	tests := []struct {
		name, dsn, query, want string
	}{
		{"other columns", dsn, `SELECT customer, metric, day, v FROM daily_usage WHERE day >= $1`,
			`sync sql:usage: query usage returns column "customer"; it must return exactly account, metric, observed_at, value and optionally source (got customer)`},
		{"a missing column", dsn, `SELECT customer AS account, metric, day::timestamptz AS observed_at FROM daily_usage WHERE day >= $1`,
			`sync sql:usage: query usage returns no value column; it must return account, metric, observed_at, value and optionally source (got account, metric, observed_at)`},
		{"a wrong type", dsn, `SELECT customer AS account, metric, day::timestamptz AS observed_at, 'x'::text AS value FROM daily_usage WHERE day >= $1`,
			"cast columns in the query"},
		{"an unreachable database", "postgres://postgres@127.0.0.1:1/x?sslmode=disable&connect_timeout=5", usageQuery,
			"sync sql:usage: connect to the database in WAREHOUSE_URL"},
		{"bad credentials", withUser(t, dsn, "no_such_role"), usageQuery,
			`sync sql:usage: connect to the database in WAREHOUSE_URL: failed to connect to`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := &SQLSource{Q: SQLQuery{Name: "usage", DSNEnv: "WAREHOUSE_URL", DSN: tc.dsn, Query: tc.query}}
			_, err := w.run(t, src, false)
			require.ErrorContains(t, err, tc.want)
			require.NotContains(t, err.Error(), "\n", "one line")
		})
	}
	require.Zero(t, w.count(t, `SELECT count(*) FROM signal`))
}

// withUser is dsn logging in as user, without a password.
func withUser(t *testing.T, dsn, user string) string {
	u, err := url.Parse(dsn)
	require.NoError(t, err)
	u.User = url.User(user)
	return u.String()
}

func TestParseSQLQueries(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(body string) string {
		p := filepath.Join(dir, "sources.yaml")
		require.NoError(t, os.WriteFile(p, []byte(body), 0o600))
		return p
	}
	env := map[string]string{"WH": "postgres://wh"}
	getenv := func(k string) string { return env[k] }

	qs, err := ParseSQLQueries(write("sources:\n  - name: usage\n    dsn_env: WH\n    query: SELECT 1\n    start: 2025-01-01T00:00:00Z\n"), getenv)
	require.NoError(t, err)
	require.Equal(t, []SQLQuery{{Name: "usage", DSNEnv: "WH", DSN: "postgres://wh", Query: "SELECT 1", Start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}}, qs)

	_, err = ParseSQLQueries(write("sources:\n  - name: Usage\n    dsn_env: NOPE\n    query: ''\n"), getenv)
	require.ErrorContains(t, err, `source "Usage": name must be lower case`)
	require.ErrorContains(t, err, "environment variable NOPE (its dsn_env) is not set")
	require.ErrorContains(t, err, "query is empty")
	_, err = ParseSQLQueries(write("sources:\n  - name: a\n    dsn: x\n"), getenv)
	require.ErrorContains(t, err, "field dsn not found")
}

// fakeSource is a Source made of a function.
type fakeSource struct {
	name  string
	fetch func(ctx context.Context, cursor string) (Page, error)
}

func (f fakeSource) Name() string { return f.name }
func (f fakeSource) Fetch(ctx context.Context, cursor string) (Page, error) {
	return f.fetch(ctx, cursor)
}

func TestRunnerWaitsOutRateLimits(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	w.accounts(t, "acme")
	calls := 0
	src := fakeSource{name: "fake", fetch: func(ctx context.Context, cursor string) (Page, error) {
		calls++
		if calls == 1 {
			return Page{}, &RateLimitedError{RetryAfter: 7 * time.Second}
		}
		return Page{Read: 1, Done: true, Next: "end", Signals: []store.SignalRow{{Line: 1, Account: "acme", Metric: "nps", ObservedAt: w.clock.Now(), Value: 30}}}, nil
	}}
	start := w.clock.Now()
	w.waitOut(t, 7*time.Second)
	sum, err := w.run(t, src, false)
	require.NoError(t, err)
	require.Equal(t, 2, calls, "the same page, fetched again")
	require.Equal(t, 7*time.Second, w.clock.Since(start))
	require.Equal(t, int64(1), sum.Signals.Inserted)
	require.Equal(t, "end", w.state(t, "fake").Cursor)

	// A source that stays rate limited gives up with a clear error.
	always := fakeSource{name: "fake", fetch: func(context.Context, string) (Page, error) {
		return Page{}, &RateLimitedError{RetryAfter: time.Second}
	}}
	w.r.MaxWaits = 1
	w.waitOut(t, time.Second)
	_, err = w.run(t, always, false)
	require.EqualError(t, err, "sync fake: still rate limited after waiting 1 times; try again later")
}

func TestRunnerOneRunPerSource(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	ctx := context.Background()
	_, err := w.st.ClaimSync(ctx, "fake", "other-replica", w.clock.Now(), time.Hour)
	require.NoError(t, err)
	src := fakeSource{name: "fake", fetch: func(context.Context, string) (Page, error) {
		t.Fatal("a busy source is not read")
		return Page{}, nil
	}}
	_, err = w.run(t, src, false)
	require.True(t, errors.Is(err, ErrBusy), "%v", err)

	// A lease left by a run that died is taken over once it expires.
	w.clock.Advance(16 * time.Minute)
	done := fakeSource{name: "fake", fetch: func(context.Context, string) (Page, error) { return Page{Done: true}, nil }}
	_, err = w.run(t, done, false)
	require.NoError(t, err)
	require.Empty(t, w.state(t, "fake").RunBy)
}
