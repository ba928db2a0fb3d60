package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

type demoBundle struct {
	ctx  context.Context
	url  string
	pool *pgxpool.Pool
}

// setupDemo gives a test a fresh migrated schema the command connects to by
// URL, and a pool on it to check what was stored.
func setupDemo(t *testing.T) demoBundle {
	t.Helper()
	p := emptyPortfolio(t)
	return demoBundle{ctx: context.Background(), url: p.url, pool: p.pool}
}

type demoRun struct {
	code     int
	out, err string
}

func (b demoBundle) run(args ...string) demoRun {
	var out, errOut stringsBuilder
	code := run(b.ctx, append([]string{"demo"}, args...), ioStreams{out: &out, err: &errOut},
		envOf(map[string]string{"DATABASE_URL": b.url}))
	return demoRun{code: code, out: out.String(), err: errOut.String()}
}

func (b demoBundle) count(t *testing.T, sql string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, b.pool.QueryRow(b.ctx, sql).Scan(&n))
	return n
}

var demoArgs = []string{"--accounts", "40", "--seed", "7", "--as-of", "2026-06-30"}

// TestDemoOnAFreshDatabase runs the demo once (a whole demo is one of the
// suite's slowest steps under -race) and checks, in turn, its summary, its
// scores, alerts and backtest, and that a second run replaces it with the
// same data. These were three tests that each loaded the same portfolio.
func TestDemoOnAFreshDatabase(t *testing.T) {
	t.Parallel()
	b := setupDemo(t)
	res := b.run(demoArgs...)
	require.Equal(t, 0, res.code, res.err)
	p := &scoringPortfolio{url: b.url, pool: b.pool}
	t.Run("LoadsThePortfolioAndPrintsItsSummary", func(t *testing.T) { checkDemoSummary(t, b, res.out) })
	t.Run("ScoresShowsCardsAndBacktest", func(t *testing.T) { checkDemoScoresCardsAndBacktest(t, p, res.out) })
	// Last: it loads the portfolio again.
	t.Run("ReplacesItselfAndIsDeterministic", func(t *testing.T) { checkDemoReplacesItself(t, b) })
}

// checkDemoSummary checks what the demo of demoArgs loaded and the summary
// it printed (out).
func checkDemoSummary(t *testing.T, b demoBundle, out string) {
	want, err := demo.Generate(demo.Config{Seed: 7, Accounts: 40, AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Equal(t, int64(40), b.count(t, "SELECT count(*) FROM account"))
	require.Equal(t, int64(5), b.count(t, "SELECT count(*) FROM account WHERE churned_at IS NOT NULL"))
	require.Equal(t, int64(8), b.count(t, "SELECT count(*) FROM csm"))
	require.Equal(t, int64(len(want.Signals)), b.count(t, "SELECT count(*) FROM signal WHERE source = 'demo'"))
	require.Equal(t, int64(len(want.Pulses)), b.count(t, "SELECT count(*) FROM pulse"))
	require.Equal(t, int64(0), b.count(t, "SELECT count(*) FROM signal WHERE observed_at >= '2026-06-30'"))

	require.Contains(t, out, fmt.Sprintf("40 accounts, 8 CSMs, %s signals and %s pulses", thousands(int64(len(want.Signals))), thousands(int64(len(want.Pulses)))))
	require.Contains(t, out, "history up to 2026-06-30 (seed 7)")
	require.Regexp(t, `(?m)^  Enterprise +6 `, out)
	require.Regexp(t, `(?m)^  Mid-Market +14 `, out)
	require.Regexp(t, `(?m)^  SMB +20 `, out)
	require.Regexp(t, `(?m)^  all +40 +5 `, out)
	require.Regexp(t, `(?m)^  Maya Chen +U0DEMO01 +America/Los_Angeles `, out)
	require.Regexp(t, `Pulse completion overall: (8[0-9]|9[0-2])%`, out)
	for _, m := range demo.Metrics {
		require.Regexp(t, `(?m)^  `+m+` +[0-9,]+  20\d\d-\d\d-\d\d → 2026-0[1-6]-\d\d `, out, "metric %s", m)
	}
	require.Regexp(t, `(?m)^  active_user_ratio +[0-9,]+  2025-06-30 → 2026-06-29 `, out)
	require.Contains(t, out, "· largest account ·")
	require.Contains(t, out, "· steepest usage drop ·")
	require.Contains(t, out, "· most recent churn ·")
	require.Regexp(t, `churned 20\d\d-\d\d-\d\d`, out)
	for _, line := range regexp.MustCompile(`\n`).Split(out, -1) {
		require.LessOrEqual(t, len([]rune(line)), 100, "line too wide: %q", line)
	}
}

// checkDemoReplacesItself runs the demo of demoArgs again on b, where it
// already ran: it replaces the portfolio with the same data.
func checkDemoReplacesItself(t *testing.T, b demoBundle) {
	sum := func() int64 {
		return b.count(t, "SELECT count(*) + sum(value)::bigint + sum(extract(epoch FROM observed_at))::bigint FROM signal")
	}
	before := sum()

	again := b.run(demoArgs...)
	require.Equal(t, 0, again.code, again.err)
	require.Contains(t, again.out, "replaced the previous portfolio of 40 accounts")
	require.Equal(t, before, sum(), "same seed, same stored data")
	require.Equal(t, int64(40), b.count(t, "SELECT count(*) FROM account"))
}

func TestDemoRefusesRealDataWithoutReset(t *testing.T) {
	t.Parallel()
	b := setupDemo(t)
	_, err := b.pool.Exec(b.ctx, "INSERT INTO account (external_id, name) VALUES ('crm-1', 'A Real Customer')")
	require.NoError(t, err)

	res := b.run(demoArgs...)
	require.Equal(t, 1, res.code)
	require.Contains(t, res.err, "1 accounts and 0 CSMs that are not demo data")
	require.Contains(t, res.err, "--reset")
	require.Equal(t, int64(1), b.count(t, "SELECT count(*) FROM account"))

	res = b.run(append(demoArgs, "--reset")...)
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, int64(0), b.count(t, "SELECT count(*) FROM account WHERE external_id = 'crm-1'"))
}

func TestDemoRejectsBadFlags(t *testing.T) {
	t.Parallel()
	b := demoBundle{ctx: context.Background(), url: "postgres://nowhere.invalid/db"}
	for _, args := range [][]string{
		{"--accounts", "0"},
		{"--accounts", "many"},
		{"--as-of", "30/06/2026"},
		{"extra"},
		{"--slack-user", "maya"},
	} {
		res := b.run(args...)
		require.Equal(t, 2, res.code, "args %v: %s", args, res.err)
		require.Contains(t, res.err, "usage: healthbot demo")
	}
}

func TestDemoRefusesOutdatedSchemaWithoutMigrate(t *testing.T) {
	t.Parallel()
	pool := storetest.EmptySchema(t)
	url := storetest.URL() + "&search_path=" + pool.Config().ConnConfig.RuntimeParams["search_path"]
	b := demoBundle{ctx: context.Background(), url: url, pool: pool}
	res := b.run(demoArgs...)
	require.Equal(t, 1, res.code)
	require.Contains(t, res.err, "healthbot migrate")

	res = b.run(append(demoArgs, "--migrate")...)
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, int64(40), b.count(t, "SELECT count(*) FROM account"))
}

// signalWriter is a stringsBuilder that closes seen once the output
// contains marker.
type signalWriter struct {
	stringsBuilder
	marker string
	seen   chan struct{}
	once   sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	n, err := w.stringsBuilder.Write(p)
	if strings.Contains(w.String(), w.marker) {
		w.once.Do(func() { close(w.seen) })
	}
	return n, err
}

// With Slack configured the demo goes on to run the bot on the portfolio
// until interrupted, and --slack-user makes the trier the first demo CSM.
// demoReportTimeout bounds the wait for the demo's whole report (load,
// backtest, calibration) before its bot starts: only a hang should reach
// it, and under -race on a busy 2-core machine the report alone took 44 s.
const demoReportTimeout = 3 * time.Minute

func TestDemoWithSlackRunsTheBotAndCastsTheSlackUser(t *testing.T) {
	t.Parallel()
	b := setupDemo(t)
	fake := bottest.NewSlack(t, nil)
	ctx, cancel := context.WithCancel(b.ctx)
	defer cancel()
	out := &signalWriter{marker: "The bot is running on the demo portfolio", seen: make(chan struct{})}
	var errOut stringsBuilder
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"demo", "--slack-user", "U0TRY1"}, demoArgs...), ioStreams{out: out, err: &errOut},
			envOf(map[string]string{
				"DATABASE_URL": b.url, "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret",
				"SLACK_API_URL": fake.APIURL(), "HEALTHBOT_HTTP_ADDR": "127.0.0.1:0",
			}))
	}()
	select {
	case <-out.seen:
	case code := <-done:
		t.Fatalf("demo ended (%d) before the bot ran:\n%s\n%s", code, out.String(), errOut.String())
	case <-time.After(demoReportTimeout): // the whole report (backtest, calibration) comes first
		t.Fatalf("the bot did not start:\n%s\n%s", out.String(), errOut.String())
	}
	require.Contains(t, out.String(), "You (<@U0TRY1>) play Maya Chen, the owner of")
	require.Equal(t, int64(1), b.count(t, "SELECT count(*) FROM csm WHERE slack_user_id = 'U0TRY1' AND name = 'Maya Chen'"))
	cancel()
	select {
	case code := <-done:
		require.Equal(t, 0, code, errOut.String())
	case <-time.After(bottest.Timeout):
		t.Fatal("the bot did not stop on interrupt")
	}

	// The cast CSM is still demo data: the demo replaces itself again.
	again := b.run(demoArgs...)
	require.Equal(t, 0, again.code, again.err)
	require.Contains(t, again.out, "`healthbot demo`\ngoes on to run the bot on this portfolio")
	require.Equal(t, store.DemoEmailDomain, demo.EmailDomain, "the store tells demo CSMs by the generator's domain")
}
