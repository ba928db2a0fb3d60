package storetest_test

import (
	"context"
	"os"
	"os/exec"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// noMainEnv makes TestMain run the tests without storetest.Main, for the
// child process of TestTxWithoutMainFailsNamingMain.
const noMainEnv = "STORETEST_WITHOUT_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(noMainEnv) != "" {
		os.Exit(m.Run())
	}
	storetest.Main(m)
}

func schemaOf(pool *pgxpool.Pool) string {
	return pool.Config().ConnConfig.RuntimeParams["search_path"]
}

func exists(t *testing.T, schema string) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), storetest.URL())
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var ok bool
	require.NoError(t, conn.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&ok))
	return ok
}

// A schema a test is done with goes to the next test emptied, as fresh as
// a new one; one its test changed, or with a connection left on it, is
// dropped instead. The steps run in order (each hands its schema to the
// next), so they are not parallel; no other test of this package takes
// schemas.
func TestSchemaIsReusedOnlyWhenNothingCanTell(t *testing.T) {
	ctx := context.Background()
	var first string
	t.Run("a test writes rows", func(t *testing.T) {
		pool := storetest.Schema(t)
		first = schemaOf(pool)
		st := store.New(pool)
		for _, name := range []string{"Acme", "Initech"} {
			_, err := st.UpsertAccount(ctx, scoring.Account{ExternalID: name, Name: name})
			require.NoError(t, err)
		}
		_, err := pool.Exec(ctx, "ANALYZE account")
		require.NoError(t, err)
	})
	var second string
	t.Run("the next gets it empty, ids from 1, no statistics, migrations intact", func(t *testing.T) {
		pool := storetest.Schema(t)
		second = schemaOf(pool)
		require.Equal(t, first, second, "the schema was reused")
		var accounts, stats int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM account").Scan(&accounts))
		require.Zero(t, accounts)
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM pg_stats WHERE schemaname = $1", second).Scan(&stats))
		require.Zero(t, stats, "the last test's planner statistics are gone")
		id, err := store.New(pool).UpsertAccount(ctx, scoring.Account{ExternalID: "x", Name: "X"})
		require.NoError(t, err)
		require.EqualValues(t, 1, id, "identities restart")
		require.NoError(t, store.CheckSchema(ctx, pool), "goose's versions are kept")
		_, err = pool.Exec(ctx, "CREATE TABLE scratch (x int)")
		require.NoError(t, err)
	})
	var third string
	t.Run("a schema its test changed is dropped", func(t *testing.T) {
		require.False(t, exists(t, second), "the changed schema was dropped")
		var conn *pgx.Conn
		// Registered before the schema's, so it runs after: the connection
		// is still open when the schema is released.
		t.Cleanup(func() {
			if conn != nil {
				_ = conn.Close(ctx)
			}
		})
		url := storetest.SchemaURL(t)
		var err error
		conn, err = pgx.Connect(ctx, url)
		require.NoError(t, err)
		require.NoError(t, conn.QueryRow(ctx, "SELECT current_schema()").Scan(&third))
	})
	t.Run("a schema with a connection left on it is dropped", func(t *testing.T) {
		require.False(t, exists(t, third), "the schema a connection was left on was dropped")
	})
}

// Tx in a package whose TestMain does not call Main fails, naming the fix,
// instead of leaving its shared schema behind. The child process runs
// TestTxWithoutMainChild with TestMain skipping Main (see noMainEnv).
func TestTxWithoutMainFailsNamingMain(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestTxWithoutMainChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), noMainEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child passed:\n%s", out)
	require.Contains(t, string(out), "Tx needs storetest.Main")
}

func TestTxWithoutMainChild(t *testing.T) {
	if os.Getenv(noMainEnv) == "" {
		return // only meaningful in the child of TestTxWithoutMainFailsNamingMain
	}
	storetest.Tx(t)
}
