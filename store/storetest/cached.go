package storetest

import (
	"context"
	"fmt"
	"hash/fnv"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Cached returns a pool on a schema that outlives the test process: the
// first caller builds it (migrations, then build), later processes reuse
// it. Benchmarks load tens of millions of rows this way once instead of
// on every run. The schema is named after name and the migrations' content,
// so a changed migration or a new dataset version (put it in name) builds
// afresh, and the stale versions of name are dropped then. A build that
// did not finish leaves no marker and is redone. Callers must leave the
// data as they found it, or reset what they change themselves.
func Cached(t testing.TB, name string, build func(ctx context.Context, pool *pgxpool.Pool) error) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	prefix := "hbcache_" + name + "_"
	schema := prefix + migrationsHash()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatal(unreachable(err))
	}
	defer conn.Close(ctx)
	// One builder at a time across processes: the lock is the session's.
	h := fnv.New64a()
	h.Write([]byte(schema))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(h.Sum64())); err != nil {
		t.Fatalf("storetest: lock %s: %v", schema, err)
	}
	defer func() {
		_, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(h.Sum64()))
	}()

	var done bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = 'storetest_cached')`, schema).Scan(&done)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	if !done {
		if err := buildCached(ctx, conn, prefix, schema, build); err != nil {
			t.Fatalf("storetest: build cached schema %s: %v", schema, err)
		}
	} else {
		t.Logf("storetest: reusing cached schema %s (drop it to rebuild)", schema)
	}
	pool, err := poolFor(ctx, schema)
	if err != nil {
		t.Fatal(unreachable(err))
	}
	t.Cleanup(pool.Close)
	return pool
}

func buildCached(ctx context.Context, conn *pgx.Conn, prefix, schema string, build func(context.Context, *pgxpool.Pool) error) error {
	rows, err := conn.Query(ctx, `SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, prefix)
	if err != nil {
		return err
	}
	stale, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	for _, s := range stale { // older versions, and an unfinished build of this one
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{s}.Sanitize()+" CASCADE"); err != nil {
			return err
		}
	}
	if err := createMigratedSchema(ctx, schema); err != nil {
		return err
	}
	pool, err := poolFor(ctx, schema)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := build(ctx, pool); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, "CREATE TABLE storetest_cached (built_at timestamptz NOT NULL DEFAULT now())"); err != nil {
		return fmt.Errorf("mark built: %w", err)
	}
	return nil
}
