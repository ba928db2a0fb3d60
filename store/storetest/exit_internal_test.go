package storetest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

// No test of this package calls Tx, so Main has no Tx schema to drop and
// must not build one to find out (it used to, a minute at every exit).
func TestMainDropsNoTxSchemaNoTestUsed(t *testing.T) {
	t.Parallel()
	if got := closeShared(); got != nil {
		t.Fatalf("closeShared() = %v, want nothing: no test used Tx", got)
	}
	if sharedUsed.Load() {
		t.Fatal("closeShared built Tx's schema")
	}
}

// Main's vacuum reclaims the catalog rows dropped schemas leave behind:
// pg_attribute is vacuumed once the dead rows reach the threshold.
func TestVacuumCatalogsReclaimsDroppedSchemas(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		t.Fatal(unreachable(err))
	}
	defer conn.Close(ctx)
	count := func() int64 {
		t.Helper()
		var n int64
		// Vacuums are counted when their backend flushes its statistics;
		// this connection's own reads must not wait for the next flush.
		if _, err := conn.Exec(ctx, "SELECT pg_stat_clear_snapshot()"); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(ctx, `SELECT vacuum_count FROM pg_stat_sys_tables WHERE relid = 'pg_catalog.pg_attribute'::regclass`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	schema := "hbt_" + randomSuffix()
	if err := createMigratedSchema(ctx, schema); err != nil {
		dropSchema(context.WithoutCancel(ctx), schema)
		t.Fatal(unreachable(err))
	}
	dropSchema(ctx, schema)
	before := count()
	if err := vacuumCatalogs(ctx, 1); err != nil {
		t.Fatalf("vacuumCatalogs: %v", err)
	}
	if after := count(); after <= before {
		t.Fatalf("pg_attribute was vacuumed %d times before and %d after vacuumCatalogs: want more", before, after)
	}
}
