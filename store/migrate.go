package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/healthbot/healthbot"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaOutdated is returned by CheckSchema when migrations are pending.
// Its code is EUNAVAILABLE: the database cannot serve this binary until
// someone migrates it, and the message says how.
var ErrSchemaOutdated = &healthbot.Error{Code: healthbot.EUNAVAILABLE, Message: "database schema is out of date: run `healthbot migrate` (or start with --migrate)"}

// SchemaStatus says where the database stands against the embedded migrations.
type SchemaStatus struct {
	Current int64
	Latest  int64
}

// Pending reports whether the database lags the binary.
func (s SchemaStatus) Pending() bool { return s.Current < s.Latest }

// provider builds a goose provider over the pool. Each migration runs in its
// own transaction; a Postgres advisory lock keeps replicas that start together
// from migrating twice.
func provider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	sqldb := stdlib.OpenDBFromPool(pool)
	sub, err := fs.Sub(migrationFS, "migrations")
	if err != nil {
		return nil, nil, err
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqldb, sub, goose.WithSessionLocker(locker))
	if err != nil {
		_ = sqldb.Close()
		return nil, nil, fmt.Errorf("load migrations: %w", err)
	}
	return p, sqldb, nil
}

// stateMigration creates account_state, which Migrate then fills.
const stateMigration = 160

// MigrateOption adjusts Migrate.
type MigrateOption func(*migrateOptions)

type migrateOptions struct{ progress func(line string) }

// WithProgress hands each progress line a long migration prints (its
// NOTICEs: the conversion of signal and event to monthly partitions says
// how many rows it moves and how long each step took) to progress.
func WithProgress(progress func(line string)) MigrateOption {
	return func(o *migrateOptions) { o.progress = progress }
}

// Migrate applies every pending migration and returns the versions applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool, opts ...MigrateOption) ([]int64, error) {
	var o migrateOptions
	for _, opt := range opts {
		opt(&o)
	}
	if o.progress != nil {
		// Notices reach a connection's own handler, set when it connects:
		// the migration runs on a pool of its own that has one.
		cfg := pool.Config().Copy()
		cfg.ConnConfig.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { o.progress(n.Message) }
		own, err := pgxpool.NewWithConfig(ctx, cfg)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		defer own.Close()
		pool = own
	}
	p, sqldb, err := provider(pool)
	if err != nil {
		return nil, err
	}
	defer sqldb.Close()
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	if slices.Contains(applied, stateMigration) {
		// The state's score columns follow scoring's rules, which SQL alone
		// does not know: fill them once with the code every score write runs.
		if err := New(pool).RebuildState(ctx); err != nil {
			return applied, fmt.Errorf("migrate: fill account_state: %w", err)
		}
	}
	return applied, nil
}

// Status reports the current and latest schema versions.
func Status(ctx context.Context, pool *pgxpool.Pool) (SchemaStatus, error) {
	p, sqldb, err := provider(pool)
	if err != nil {
		return SchemaStatus{}, err
	}
	defer sqldb.Close()
	cur, latest, err := p.GetVersions(ctx)
	if err != nil {
		return SchemaStatus{}, fmt.Errorf("read schema version: %w", err)
	}
	return SchemaStatus{Current: cur, Latest: latest}, nil
}

// CheckSchema returns ErrSchemaOutdated when migrations are pending, so serve
// and demo refuse to run against a schema they do not understand.
func CheckSchema(ctx context.Context, pool *pgxpool.Pool) error {
	st, err := Status(ctx, pool)
	if err != nil {
		return err
	}
	if st.Pending() {
		return fmt.Errorf("%w (database at version %d, binary needs %d)", ErrSchemaOutdated, st.Current, st.Latest)
	}
	return nil
}

// Migrations exposes the embedded migration files (read-only).
func Migrations() fs.FS { return migrationFS }

// latestVersion is the newest embedded migration's version.
var latestVersion = sync.OnceValues(func() (int64, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return 0, err
	}
	var latest int64
	for _, e := range entries {
		digits := strings.SplitN(e.Name(), "_", 2)[0]
		v, err := strconv.ParseInt(digits, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("migration %s: no version", e.Name())
		}
		latest = max(latest, v)
	}
	return latest, nil
})

// CheckReady is the readiness check: the database answers and its schema
// is the one this binary needs. A recreated, unmigrated database is not
// ready, since every intake would fail on a missing table. One cheap query.
func (s *Store) CheckReady(ctx context.Context) error {
	latest, err := latestVersion()
	if err != nil {
		return err
	}
	var cur *int64
	err = s.db.QueryRow(ctx, `SELECT max(version_id) FROM goose_db_version`).Scan(&cur)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P01": // undefined_table
		return fmt.Errorf("%w (the database has no schema)", ErrSchemaOutdated)
	case err != nil:
		return fmt.Errorf("readiness: %w", err)
	case cur == nil || *cur < latest:
		return fmt.Errorf("%w (database at version %d, binary needs %d)", ErrSchemaOutdated, deref(cur), latest)
	}
	return nil
}
