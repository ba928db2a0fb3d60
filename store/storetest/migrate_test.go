package storetest_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// Test schemas are migrated by replaying the migrations' SQL (migrate.go);
// production migrates with goose. The two must build the same schema:
// every table, column, default, constraint, index, function, trigger,
// seeded row count and goose version row.
func TestReplayedSchemaIsWhatGooseMakes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	byGoose := storetest.EmptySchema(t)
	_, err := store.Migrate(ctx, byGoose)
	require.NoError(t, err)
	replayed := storetest.Schema(t)

	want, got := describeSchema(t, byGoose), describeSchema(t, replayed)
	require.NotEmpty(t, want)
	for _, l := range want {
		if !slices.Contains(got, l) {
			t.Errorf("goose made, the replay did not: %s", l)
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			t.Errorf("the replay made, goose did not: %s", l)
		}
	}
}

// describeSchema lists pool's schema's objects with the schema's own name
// taken out, so two schemas built alike describe alike.
func describeSchema(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	ctx := context.Background()
	schema := schemaOf(pool)
	rows, err := pool.Query(ctx, `
		SELECT 'rel ' || relname || ' ' || relkind::text FROM pg_class WHERE relnamespace = $1::regnamespace
		UNION ALL
		SELECT 'col ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull
		       || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '') || ' ' || a.attidentity::text
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT 'con ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = $1::regnamespace
		UNION ALL
		SELECT 'idx ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)
		UNION ALL
		SELECT 'fn ' || pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = $1::regnamespace
		UNION ALL
		SELECT 'trg ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal
		       AND tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)
		UNION ALL
		SELECT 'ver ' || string_agg(version_id || ':' || is_applied, ',' ORDER BY id) FROM goose_db_version`, schema)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	tables, err := pool.Query(ctx, `SELECT relname FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') ORDER BY relname`, schema)
	require.NoError(t, err)
	names, err := pgx.CollectRows(tables, pgx.RowTo[string])
	require.NoError(t, err)
	for _, name := range names {
		var n int
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{name}.Sanitize()).Scan(&n))
		lines = append(lines, fmt.Sprintf("rows %s %d", name, n))
	}
	for i, l := range lines {
		lines[i] = strings.ReplaceAll(l, schema+".", "SCHEMA.")
	}
	slices.Sort(lines)
	return lines
}
