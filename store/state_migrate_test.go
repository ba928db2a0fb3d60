package store_test

import (
	"context"
	"io/fs"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// A database that holds scores when account_state arrives gets the state
// filled by the migration run, by the rules every score write applies.
func TestMigrateFillsTheStateOfAnExistingDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.EmptySchema(t)
	sub, err := fs.Sub(store.Migrations(), "migrations")
	require.NoError(t, err)
	sqldb := stdlib.OpenDBFromPool(pool)
	defer sqldb.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, sub)
	require.NoError(t, err)
	_, err = p.UpTo(ctx, 159) // the schema before account_state
	require.NoError(t, err)

	var id int64
	require.NoError(t, pool.QueryRow(ctx, "INSERT INTO account (external_id, name) VALUES ('acme', 'Acme') RETURNING id").Scan(&id))
	day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for back, v := range map[int]float64{0: 35, 7: 50, 28: 72} {
		_, err := pool.Exec(ctx, `INSERT INTO score (account_id, as_of, scorecard, score, band, confidence) VALUES ($1, $2, 'default', $3, $4, 1)`,
			id, day.AddDate(0, 0, -back), v, string(scoring.DefaultBands().Fixed(v)))
		require.NoError(t, err)
	}

	applied, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.Contains(t, applied, int64(160))
	sts, err := store.New(pool).AccountStates(ctx, nil)
	require.NoError(t, err)
	require.Len(t, sts, 1)
	st := sts[0]
	require.True(t, st.AsOf.Equal(day))
	require.Equal(t, scoring.BandRed, st.Band)
	require.NotNil(t, st.Score7d)
	require.InDelta(t, 50, *st.Score7d, 1e-9)
	require.NotNil(t, st.Score28d)
	require.InDelta(t, 72, *st.Score28d, 1e-9)
	require.True(t, st.BandSince.Equal(day))
}
