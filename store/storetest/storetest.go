// Package storetest gives tests a real, isolated Postgres in the style of
// river's riverdbtest: a transaction thrown away after the test, or a fresh
// schema (with its own pool) for tests that need commits seen by other
// connections. Without a reachable database the test fails, saying how to
// start one; it never skips.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/healthbot/healthbot/store"
)

// syncCommit is the synchronous_commit of every test connection: a commit
// to a throwaway schema need not wait for its WAL to reach the disk (a
// crash loses the test run, not data), and tests commit a lot.
const syncCommit = "off"

// DefaultURL is used when TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// URL is the test database: TEST_DATABASE_URL, or the local default.
func URL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// shared is the one process-wide pool for Tx, on a migrated schema of this
// process's own (Main drops it when the tests end). It is built once, as
// riverdbtest does; no other process migrates it, so no lock is taken.
var shared = sync.OnceValues(func() (*sharedSchema, error) {
	sharedUsed.Store(true)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	schema := "hbtx_" + randomSuffix()
	if err := createMigratedSchema(ctx, schema); err != nil {
		dropSchema(context.WithoutCancel(ctx), schema)
		return nil, err
	}
	pool, err := poolFor(ctx, schema)
	if err != nil {
		dropSchema(context.WithoutCancel(ctx), schema)
		return nil, err
	}
	// The monthly partitions of the years tests write, made and committed
	// once, as the scoring job makes them ahead in production. Otherwise
	// every test's long transaction would create the months it writes and
	// hold the creators' lock to its end, and two tests that also write
	// scores wait on each other's locks (deadlock, 40P01). A test of the
	// path that makes a month writes before SharedPartitions' first month.
	// The range is what the tests write (2023–2027), no wider: each month
	// is two tables and their indexes made by every package that uses Tx,
	// and the 15 years it used to span were the largest single cost the
	// database had in make test (about 120 s of statement time a run).
	from, to := SharedPartitions()
	if err := store.New(pool).EnsurePartitions(ctx, from, to); err != nil {
		pool.Close()
		dropSchema(context.WithoutCancel(ctx), schema)
		return nil, err
	}
	return &sharedSchema{pool: pool, schema: schema}, nil
})

// SharedPartitions is the first and last month Tx's schema has signal and
// event partitions for.
func SharedPartitions() (from, to time.Time) {
	return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 12, 1, 0, 0, 0, 0, time.UTC)
}

// sharedUsed says shared has run, so Main has a schema to drop. Main must
// not call shared to find out: that built Tx's schema (~1,300 tables and
// indexes) at exit only to drop it, a minute of every run of a package
// that never calls Tx, cmd/healthbot's among them, on a loaded machine.
var sharedUsed atomic.Bool

type sharedSchema struct {
	pool   *pgxpool.Pool
	schema string
}

// Main runs the tests, then drops the schema Tx used and the spare ones
// Schema kept for reuse (reuse.go), so a run leaves no schema behind, and
// vacuums the catalogs when the drops have left them bloated (vacuum.go). A
// package whose tests use the database calls it from TestMain:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
func Main(m *testing.M) {
	reusing.Store(true)
	code := m.Run()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	dropSchemas(ctx, append(takeSpares(), closeShared()...))
	if err := vacuumCatalogs(ctx, catalogDeadRows); err != nil {
		fmt.Fprintf(os.Stderr, "storetest: vacuum the system catalogs: %v\n", err)
	}
	cancel()
	os.Exit(code)
}

// closeShared closes Tx's pool and returns its schema, when a test used it.
func closeShared() []string {
	if !sharedUsed.Load() {
		return nil
	}
	s, err := shared()
	if err != nil {
		return nil
	}
	s.pool.Close()
	return []string{s.schema}
}

// dropSchemas drops schemas a few at a time: one after the other, the
// drops at the end of cmd/healthbot's tests took 55 s of a loaded
// machine's wall time after the last test had passed.
func dropSchemas(ctx context.Context, schemas []string) {
	const atOnce = 4
	sem := make(chan struct{}, atOnce)
	var wg sync.WaitGroup
	for _, schema := range schemas {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			dropSchema(ctx, schema)
		})
	}
	wg.Wait()
}

// errNoMain is why Tx refuses to run outside Main: only Main drops the
// shared schema, so a package without it left one behind on every run
// (bot/health did, for weeks, ~1,300 relations each time).
const errNoMain = "storetest: Tx needs storetest.Main: add `func TestMain(m *testing.M) { storetest.Main(m) }` to the package's tests, or its shared schema is never dropped"

// Tx returns a transaction on the shared migrated schema; it is rolled back
// when the test ends, so tests cannot see each other's rows.
func Tx(t testing.TB) pgx.Tx {
	t.Helper()
	if !reusing.Load() {
		t.Fatal(errNoMain)
	}
	s, err := shared()
	if err != nil {
		t.Fatal(unreachable(err))
	}
	ctx := context.Background()
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		t.Fatalf("storetest: begin: %v", err)
	}
	t.Cleanup(func() { _ = tx.Rollback(context.WithoutCancel(ctx)) })
	return tx
}

// Store returns a store over Tx(t).
func Store(t testing.TB) *store.Store {
	t.Helper()
	return store.New(Tx(t))
}

// Schema returns a pool on a schema of the test's own with every migration
// applied and no rows but goose's: a new one, or under Main one an earlier
// test left and that was emptied (reuse.go). When the test ends the pool
// is closed and the schema dropped or emptied for the next test.
func Schema(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	s, ok := takeSpare()
	if !ok {
		s.schema = "hbt_" + randomSuffix()
		if err := createMigratedSchema(ctx, s.schema); err != nil {
			dropSchema(context.WithoutCancel(ctx), s.schema)
			t.Fatal(unreachable(err))
		}
		if reusing.Load() {
			s.fingerprint = freshFingerprint(ctx, s.schema)
		}
	}
	pool, err := poolFor(ctx, s.schema)
	if err != nil {
		dropSchema(context.WithoutCancel(ctx), s.schema)
		t.Fatal(unreachable(err))
	}
	t.Cleanup(func() {
		pool.Close()
		release(context.WithoutCancel(ctx), s.schema, s.fingerprint)
	})
	return pool
}

// freshFingerprint is the fingerprint of a freshly migrated schema, read
// from the first one made and the same for every other (fingerprint names
// no schema): it was read from every new schema, 200 catalog scans a run.
var freshFingerprint = func() func(ctx context.Context, schema string) string {
	var (
		mu sync.Mutex
		fp string
	)
	return func(ctx context.Context, schema string) string {
		mu.Lock()
		defer mu.Unlock()
		if fp == "" {
			fp = fingerprintOf(ctx, schema)
		}
		return fp
	}
}()

// fingerprintOf is fingerprint on a connection of its own; "" (no reuse)
// when it cannot be read.
func fingerprintOf(ctx context.Context, schema string) string {
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		return ""
	}
	defer conn.Close(ctx)
	fp, err := fingerprint(ctx, conn, schema)
	if err != nil {
		return ""
	}
	return fp
}

// SchemaURL is Schema for code that connects by itself (cmd/healthbot's
// Main): it returns a database URL whose connections use the fresh schema.
func SchemaURL(t testing.TB) string {
	t.Helper()
	pool := Schema(t)
	schema := pool.Config().ConnConfig.RuntimeParams["search_path"]
	u, err := url.Parse(URL())
	if err != nil {
		t.Fatalf("storetest: parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema)
	q.Set("synchronous_commit", syncCommit)
	u.RawQuery = q.Encode()
	return u.String()
}

// EmptySchema is Schema without migrations, for testing the migrations.
func EmptySchema(t testing.TB) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	schema := "hbt_" + randomSuffix()
	if err := exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(unreachable(err))
	}
	pool, err := poolFor(ctx, schema)
	if err != nil {
		t.Fatal(unreachable(err))
	}
	t.Cleanup(func() {
		pool.Close()
		dropSchema(context.WithoutCancel(ctx), schema)
	})
	return pool
}

func poolFor(ctx context.Context, schema string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(URL())
	if err != nil {
		return nil, fmt.Errorf("parse TEST_DATABASE_URL: %w", err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	cfg.ConnConfig.RuntimeParams["application_name"] = schema // reuse.go finds connections left on it
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = syncCommit
	cfg.MaxConns = 8
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func exec(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func dropSchema(ctx context.Context, schema string) {
	_ = exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
}

func unreachable(err error) string {
	return fmt.Sprintf("storetest: cannot use the test database %s: %v\n"+
		"Start PostgreSQL (make test finds or starts one for you) or point TEST_DATABASE_URL at a server you may create schemas in.", URL(), err)
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// migrationsHash names a schema kept across runs after the migrations'
// content, so a changed migration gets a fresh schema instead of a stale one.
func migrationsHash() string {
	h := sha256.New()
	_ = fs.WalkDir(store.Migrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(store.Migrations(), path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}
