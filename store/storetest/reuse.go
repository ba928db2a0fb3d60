package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// Creating a migrated schema costs every migration's DDL (about a second
// on a busy 2-core machine, ~100 schemas a run), so under Main a schema a
// test is done with is emptied and handed to the next test instead of
// dropped: TRUNCATE … RESTART IDENTITY of every table but goose's, and its
// planner statistics deleted, leaves it as a fresh one. A schema is only
// reused when nothing could tell: no connection is left on it (each pool
// names itself after its schema, application_name), its tables, indexes
// and functions are the migrations' and nothing else, and every step
// succeeded; otherwise it is dropped as before. Main drops the spare ones.

// reusing is set by Main: without it nobody would drop the spares at exit.
var reusing atomic.Bool

// spares are emptied schemas waiting for their next test, with their
// fingerprint (fingerprint).
var spares struct {
	sync.Mutex
	schemas []spare
}

type spare struct{ schema, fingerprint string }

// takeSpare returns an emptied schema and its fingerprint, if there is one.
func takeSpare() (spare, bool) {
	spares.Lock()
	defer spares.Unlock()
	n := len(spares.schemas)
	if n == 0 {
		return spare{}, false
	}
	s := spares.schemas[n-1]
	spares.schemas = spares.schemas[:n-1]
	return s, true
}

// release empties schema for the next test, or drops it when it cannot be
// reused (see above); want is its fingerprint when it was handed out.
func release(ctx context.Context, schema, want string) {
	if !reusing.Load() || want == "" {
		dropSchema(ctx, schema)
		return
	}
	if err := empty(ctx, schema, want); err != nil {
		dropSchema(ctx, schema)
		return
	}
	spares.Lock()
	spares.schemas = append(spares.schemas, spare{schema, want})
	spares.Unlock()
}

// takeSpares empties the list of spares and returns their schemas, for
// Main to drop at exit.
func takeSpares() []string {
	spares.Lock()
	defer spares.Unlock()
	var out []string
	for _, s := range spares.schemas {
		out = append(out, s.schema)
	}
	spares.schemas = nil
	return out
}

var errChanged = errors.New("schema changed by its test")

// empty truncates every table of schema but goose_db_version and deletes
// its planner statistics, in one transaction, after checking that no
// connection is still on it and that its objects are still want.
func empty(ctx context.Context, schema, want string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if err := noConnectionsOn(ctx, conn, schema); err != nil {
		return err
	}
	got, err := fingerprint(ctx, conn, schema)
	if err != nil {
		return err
	}
	if got != want {
		return errChanged
	}
	rows, err := conn.Query(ctx, `SELECT quote_ident($1) || '.' || quote_ident(relname) FROM pg_class
		WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') AND relname <> 'goose_db_version'`, schema)
	if err != nil {
		return err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "SET LOCAL lock_timeout = '5s'"); err != nil {
		return err
	}
	if len(tables) > 0 {
		if _, err := tx.Exec(ctx, "TRUNCATE "+strings.Join(tables, ", ")+" RESTART IDENTITY"); err != nil {
			return err
		}
	}
	// A fresh schema has no statistics; a reused one must not plan with
	// the last test's (needs a superuser; without one, no reuse).
	if _, err := tx.Exec(ctx, `DELETE FROM pg_statistic WHERE starelid IN (SELECT oid FROM pg_class WHERE relnamespace = $1::regnamespace)`, schema); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// fingerprint names schema's tables, indexes, sequences, functions and
// applied migrations, but not the schema itself: equal fingerprints, same
// objects, so one fresh schema's stands for all (freshFingerprint).
func fingerprint(ctx context.Context, conn *pgx.Conn, schema string) (string, error) {
	var fp string
	err := conn.QueryRow(ctx, `SELECT md5(
		coalesce((SELECT string_agg(relname || ':' || relkind::text, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = $1::regnamespace), '') || '|' ||
		coalesce((SELECT string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE connamespace = $1::regnamespace), '') || '|' ||
		coalesce((SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = $1::regnamespace), '') || '|' ||
		coalesce((SELECT string_agg(c.relname || '.' || attname || ':' || atttypid::text, ',' ORDER BY c.relname, attnum)
			FROM pg_attribute JOIN pg_class c ON c.oid = attrelid WHERE attnum > 0 AND NOT attisdropped
			AND c.relnamespace = $1::regnamespace), ''))`, schema).Scan(&fp)
	if err != nil {
		return "", err
	}
	var versions string
	err = conn.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(string_agg(version_id::text || is_applied::text, ',' ORDER BY id), '') FROM %s.goose_db_version`,
		pgx.Identifier{schema}.Sanitize())).Scan(&versions)
	if err != nil {
		return "", err
	}
	return fp + "|" + versions, nil
}

// noConnectionsOn reports an error when a connection to schema is still
// open. A closed pool's backends leave pg_stat_activity a moment after
// Close returns (later on a loaded machine), so a schema is given a few
// seconds before a connection counts as left open.
func noConnectionsOn(ctx context.Context, conn *pgx.Conn, schema string) error {
	deadline := time.NewTimer(3 * time.Second)
	defer deadline.Stop()
	poll := time.NewTicker(20 * time.Millisecond)
	defer poll.Stop()
	for {
		var others int
		if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()`, schema).Scan(&others); err != nil {
			return err
		}
		if others == 0 {
			return nil
		}
		select {
		case <-poll.C:
		case <-deadline.C:
			return fmt.Errorf("%d connections still on %s", others, schema)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
