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
