package store

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// MigrateTo applies the migrations up to version, so a test can build the
// schema a migration converts.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	p, sqldb, err := provider(pool)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	_, err = p.UpTo(ctx, version)
	return err
}

// ImportChunk is how many rows ImportSignals writes at a time.
const ImportChunk = importChunk

// MigrateDownTo rolls the migrations back to version.
func MigrateDownTo(ctx context.Context, pool *pgxpool.Pool, version int64) error {
	p, sqldb, err := provider(pool)
	if err != nil {
		return err
	}
	defer sqldb.Close()
	_, err = p.DownTo(ctx, version)
	return err
}
