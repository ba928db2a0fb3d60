// Package store owns Postgres: the pool, embedded migrations, queries and
// transactions. It turns rows into scoring domain types at the edge and holds
// no business rules.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store/db"
)

// ErrNotFound is returned when a looked-up row does not exist. It is a
// *healthbot.Error (ENOTFOUND) so callers may match it with errors.Is and
// adapters may read its code without knowing the store.
var ErrNotFound = &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "not found"}

// DBTX is what the store needs from Postgres. Both *pgxpool.Pool and pgx.Tx
// satisfy it, so tests can hand the store a transaction they throw away.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
	Begin(ctx context.Context) (pgx.Tx, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

var (
	_ DBTX = (*pgxpool.Pool)(nil)
	_ DBTX = (pgx.Tx)(nil)
)

// Store is the Postgres adapter. It is safe for concurrent use when its DBTX
// is a pool.
type Store struct {
	db DBTX
	q  *db.Queries
	// ddl makes monthly partitions in a transaction of their own, so a
	// long import holds no lock that stalls other writers' new months:
	// the pool the store was made from, nil when it wraps a transaction.
	ddl DBTX
	// months remembers the partitions ddl made or found, so a batch into
	// known months costs no round trip for them (pool stores only).
	months *monthCache
}

// New wraps a pool or a transaction.
func New(conn DBTX) *Store {
	s := &Store{db: conn, q: db.New(conn)}
	if p, ok := conn.(*pgxpool.Pool); ok {
		s.ddl, s.months = p, &monthCache{}
	}
	return s
}

// Open connects a pool to url and checks that the database answers.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// DB exposes the underlying connection for packages (tests, benchmarks) that
// need raw access.
func (s *Store) DB() DBTX { return s.db }

// Ping checks the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.db.QueryRow(ctx, "SELECT 1").Scan(&one)
}

// InTx runs fn in a transaction (a savepoint when the store already wraps
// one) and commits only if fn returns nil, so nothing is ever half-written.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(ctx) }()
	inner := New(tx)
	inner.ddl, inner.months = s.ddl, s.months
	if err := fn(inner); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// notFound maps pgx.ErrNoRows to ErrNotFound and leaves other errors alone.
func notFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}
