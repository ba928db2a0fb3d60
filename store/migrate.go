package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// ErrSchemaOutdated is returned by CheckSchema when migrations are pending.
var ErrSchemaOutdated = errors.New("database schema is out of date: run `healthbot migrate` (or start with --migrate)")

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

// Migrate applies every pending migration and returns the versions applied.
func Migrate(ctx context.Context, pool *pgxpool.Pool) ([]int64, error) {
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
