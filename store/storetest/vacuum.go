package storetest

import (
	"context"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Every schema a test makes and drops leaves dead rows in the system
// catalogs: a migrated schema is ~1,300 rows of pg_attribute, pg_class,
// pg_depend and the rest. With autovacuum off, as on the CI machine,
// nothing reclaims them: pg_attribute grew by ~45 MB per make test, and
// catalogs of 316 MB made one run 5 min 24 s that took 4 min 01 s once
// they were cleaned. So Main vacuums the catalogs the tests' DDL churns
// once they hold catalogDeadRows dead rows. A plain VACUUM blocks no
// other test's reads or writes; it makes the space reusable, so the
// catalogs stop growing from run to run.

// churnedCatalogs are the catalogs creating and dropping a migrated schema
// writes to.
var churnedCatalogs = []string{
	"pg_attribute", "pg_attrdef", "pg_class", "pg_constraint", "pg_depend", "pg_index",
	"pg_inherits", "pg_namespace", "pg_proc", "pg_rewrite", "pg_sequence", "pg_statistic", "pg_trigger", "pg_type",
}

// catalogDeadRows is when Main vacuums: about one make test's worth of
// dropped schemas, so a run pays for at most one vacuum of them.
const catalogDeadRows = 500_000

// vacuumCatalogs vacuums churnedCatalogs when they hold at least deadRows
// dead rows. A user who may not vacuum them gets a warning from the
// server, not an error, and the catalogs stay as they are.
func vacuumCatalogs(ctx context.Context, deadRows int64) error {
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var dead int64
	err = conn.QueryRow(ctx, `SELECT coalesce(sum(n_dead_tup), 0)::bigint FROM pg_stat_sys_tables
		WHERE schemaname = 'pg_catalog' AND relname = ANY($1)`, churnedCatalogs).Scan(&dead)
	if err != nil || dead < deadRows {
		return err
	}
	_, err = conn.Exec(ctx, "VACUUM pg_catalog."+strings.Join(churnedCatalogs, ", pg_catalog."))
	return err
}
