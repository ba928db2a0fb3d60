package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

type importBundle struct {
	ctx  context.Context
	url  string
	pool *pgxpool.Pool
	s    *store.Store
}

// setupImport gives each test a fresh migrated schema that the command
// connects to by URL, plus a store on it to check what was written.
func setupImport(t *testing.T) importBundle {
	t.Helper()
	ctx := context.Background()
	url := storetest.SchemaURL(t)
	pool, err := store.Open(ctx, url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return importBundle{ctx: ctx, url: url, pool: pool, s: store.New(pool)}
}

type result struct {
	code     int
	out, err string
}

// run runs healthbot with args against the bundle's schema, stdin as input.
func (b importBundle) run(stdin io.Reader, args ...string) result {
	var out, errOut stringsBuilder
	code := run(b.ctx, args, ioStreams{in: stdin, out: &out, err: &errOut}, envOf(map[string]string{"DATABASE_URL": b.url}))
	return result{code: code, out: out.String(), err: errOut.String()}
}

func fixture(name string) string { return "testdata/import/" + name }

func (b importBundle) signalCount(t *testing.T) int64 {
	t.Helper()
	var n int64
	require.NoError(t, b.pool.QueryRow(b.ctx, "SELECT count(*) FROM signal").Scan(&n))
	return n
}

func (b importBundle) importAccounts(t *testing.T) {
	t.Helper()
	res := b.run(nil, "import", "accounts", fixture("accounts.csv"))
	require.Equal(t, 0, res.code, res.err)
}

func TestImportAccountsFile(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	res := b.run(nil, "import", "accounts", fixture("accounts.csv"))
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "accounts: 3 rows read, 3 inserted, 0 updated, 0 unchanged\n", res.out)
	require.Contains(t, res.err, "note: columns stored as attributes: Region")

	acme, err := b.s.AccountByExternalID(b.ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, "Acme Corp", acme.Name)
	require.Equal(t, 12000.5, acme.MRR)
	require.Equal(t, 250, acme.Seats)
	require.Equal(t, map[string]any{"Region": "EMEA"}, acme.Attributes)
	dana, err := b.s.CSMBySlackID(b.ctx, "U0DANA")
	require.NoError(t, err)
	require.Equal(t, dana.ID, acme.OwnerID)
	require.Equal(t, "dana@example.com", dana.Email)

	globex, err := b.s.AccountByExternalID(b.ctx, "globex")
	require.NoError(t, err)
	lee, err := b.s.CSMByEmail(b.ctx, "lee@example.com")
	require.NoError(t, err)
	require.Equal(t, lee.ID, globex.OwnerID)
	require.Empty(t, globex.Attributes, "a blank extra cell sets no attribute")
	initech, err := b.s.AccountByExternalID(b.ctx, "initech")
	require.NoError(t, err)
	require.Equal(t, "2026-01-31", initech.ChurnedAt.Format("2006-01-02"))

	res = b.run(nil, "import", "accounts", fixture("accounts.csv"))
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "accounts: 3 rows read, 0 inserted, 0 updated, 3 unchanged\n", res.out)
}

func TestImportSignalsFileTwiceStoresEachObservationOnce(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	b.importAccounts(t)

	res := b.run(nil, "import", "signals", fixture("signals.csv"))
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "signals: 7 rows read, 7 inserted, 0 updated, 0 unchanged\n", res.out)
	res = b.run(nil, "import", "signals", fixture("signals.csv"))
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "signals: 7 rows read, 0 inserted, 0 updated, 7 unchanged\n", res.out)
	require.Equal(t, int64(7), b.signalCount(t))

	acme, err := b.s.AccountByExternalID(b.ctx, "acme")
	require.NoError(t, err)
	var key string
	var value float64
	require.NoError(t, b.pool.QueryRow(b.ctx,
		"SELECT idempotency_key, value FROM signal WHERE account_id = $1 AND metric = 'support_tickets'", acme.ID).Scan(&key, &value))
	require.Equal(t, 3.0, value)
	at, err := time.Parse(time.RFC3339, "2026-03-09T14:05:00Z")
	require.NoError(t, err)
	require.Equal(t, store.SignalKey("acme", "support_tickets", at, "zendesk"), key)
}

func TestImportWithABadRowWritesNothingAndNamesLineAndColumn(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	b.importAccounts(t)

	res := b.run(nil, "import", "signals", fixture("signals_bad.csv"))
	require.Equal(t, 1, res.code)
	require.Contains(t, res.err, `line 7, column "value": "abc" is not a number`)
	require.Contains(t, res.err, "nothing imported")
	require.Empty(t, res.out)
	require.Zero(t, b.signalCount(t))

	res = b.run(nil, "import", "signals", fixture("signals_unknown_account.csv"))
	require.Equal(t, 1, res.code)
	require.Contains(t, res.err, `line 9, column "account": no account "zzz"`)
	require.Zero(t, b.signalCount(t))
}

func TestImportMapsHeaders(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	b.importAccounts(t)

	res := b.run(nil, "import", "signals", fixture("signals_mapped.csv"),
		"--map", "customer id=account", "--map", "KPI=metric", "--map", "Date=observed_at", "--map=Reading=value")
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "signals: 2 rows read, 2 inserted, 0 updated, 0 unchanged\n", res.out)
	require.Contains(t, res.err, "note: columns ignored: Comment")

	res = b.run(nil, "import", "signals", fixture("signals_mapped.csv"))
	require.Equal(t, 1, res.code)
	require.Contains(t, res.err, "missing required columns: account, metric, observed_at, value")
	require.Contains(t, res.err, "--map csvcol=field")
}

func TestImportReadsStandardInput(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	b.importAccounts(t)
	f, err := os.Open(fixture("signals.csv"))
	require.NoError(t, err)
	defer f.Close()

	res := b.run(f, "import", "signals", "-")
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "signals: 7 rows read, 7 inserted, 0 updated, 0 unchanged\n", res.out)
	require.Equal(t, int64(7), b.signalCount(t))
}

func TestImportUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import"}, "say what to import: accounts or signals"},
		{[]string{"import", "pulses", "x.csv"}, `cannot import "pulses"`},
		{[]string{"import", "signals"}, "name the CSV file to import"},
		{[]string{"import", "signals", "a.csv", "b.csv"}, `unexpected argument "b.csv"`},
		{[]string{"import", "signals", "a.csv", "--map", "nonsense"}, `--map "nonsense": want csvcol=field`},
		{[]string{"import", "--bogus"}, "flag provided but not defined"},
	} {
		var out, errOut stringsBuilder
		code := run(context.Background(), tc.args, ioStreams{out: &out, err: &errOut}, envOf(nil))
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut.String())
		require.Contains(t, errOut.String(), tc.want)
		require.Contains(t, errOut.String(), "usage: healthbot import accounts|signals")
	}
}

func TestImportFailsOnMissingFileAndOutdatedSchema(t *testing.T) {
	t.Parallel()
	var out, errOut stringsBuilder
	code := run(context.Background(), []string{"import", "signals", fixture("nope.csv")}, ioStreams{out: &out, err: &errOut}, envOf(nil))
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "nope.csv")

	pool := storetest.EmptySchema(t)
	url := storetest.URL() + "&search_path=" + pool.Config().ConnConfig.RuntimeParams["search_path"]
	var errOut2 stringsBuilder
	code = run(context.Background(), []string{"import", "signals", fixture("signals.csv")},
		ioStreams{out: &out, err: &errOut2}, envOf(map[string]string{"DATABASE_URL": url}))
	require.Equal(t, 1, code)
	require.Contains(t, errOut2.String(), "healthbot migrate")
	require.False(t, strings.Contains(out.String(), "rows read"))
}

// The import checks each value against its metric's kind under the
// scorecards in force: a metric the scorecard file declares as a count
// refuses a negative value, with line and column, and nothing is written.
func TestImportChecksValuesByTheKindsOfTheScorecardsInForce(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	b.importAccounts(t)
	csv := "account,metric,observed_at,value\n" +
		"acme,api_calls,2026-03-02,12\n" +
		"acme,api_calls,2026-03-03,-3\n" +
		"acme,active_user_ratio,2026-03-03,81\n"
	var out, errOut stringsBuilder
	code := run(b.ctx, []string{"import", "signals", "-"}, ioStreams{in: strings.NewReader(csv), out: &out, err: &errOut},
		envOf(map[string]string{"DATABASE_URL": b.url, "HEALTHBOT_SCORECARDS": fixture("scorecards_declared.yaml")}))
	require.Equal(t, 1, code, errOut.String())
	require.Contains(t, errOut.String(), `line 3, column "value": "-3" must be between 0 and 1000000000000000 for a count (api_calls)`)
	require.Contains(t, errOut.String(), `line 4, column "value": "81" must be between 0 and 1 for a ratio (active_user_ratio)`)
	require.Zero(t, b.signalCount(t))

	// Without the scorecard, api_calls is of unknown kind: -3 is a value.
	res := b.run(strings.NewReader(csv[:strings.LastIndex(csv[:len(csv)-1], "\n")+1]), "import", "signals", "-")
	require.Equal(t, 0, res.code, res.err)
	require.EqualValues(t, 2, b.signalCount(t))
}
