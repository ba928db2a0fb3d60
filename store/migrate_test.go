package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestMigrateFromEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.EmptySchema(t)

	st, err := store.Status(ctx, pool)
	require.NoError(t, err)
	require.True(t, st.Pending(), "an empty schema has pending migrations")
	require.ErrorIs(t, store.CheckSchema(ctx, pool), store.ErrSchemaOutdated)

	applied, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.NotEmpty(t, applied)
	require.NoError(t, store.CheckSchema(ctx, pool))

	for _, table := range []string{"account", "csm", "signal", "event", "pulse", "score", "alert", "job_run", "api_key"} {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n), table)
	}

	again, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.Empty(t, again, "a second migrate applies nothing")
}

// /readyz said ready on a recreated, unmigrated database while every
// intake failed on a missing table: readiness checks the schema version.
func TestCheckReadyNeedsTheMigratedSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.EmptySchema(t)
	s := store.New(pool)
	require.ErrorIs(t, s.CheckReady(ctx), store.ErrSchemaOutdated, "no schema at all")
	_, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.NoError(t, s.CheckReady(ctx))
	_, err = pool.Exec(ctx, `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`)
	require.NoError(t, err)
	require.ErrorIs(t, s.CheckReady(ctx), store.ErrSchemaOutdated, "a migration behind")
}
