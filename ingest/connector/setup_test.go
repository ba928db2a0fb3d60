package connector

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// syncWorld is a store on a throwaway transaction and a runner on a fake clock.
type syncWorld struct {
	st    *store.Store
	clock *clockwork.FakeClock
	r     *Runner
}

func newSyncWorld(t *testing.T) *syncWorld {
	t.Helper()
	st := storetest.Store(t)
	clock := clockwork.NewFakeClockAt(time.Date(2025, 12, 6, 12, 0, 0, 0, time.UTC))
	return &syncWorld{st: st, clock: clock, r: &Runner{Store: st, Clock: clock, Instance: "test"}}
}

// takeSource writes source's sync_source row first: parallel tests share
// one schema in separate transactions and queue on that row, so a test
// that writes accounts before its first sync must queue first too, or it
// deadlocks with a test holding the row and inserting the same accounts.
func (w *syncWorld) takeSource(t *testing.T, source string) {
	t.Helper()
	_, err := w.st.DB().Exec(context.Background(), `INSERT INTO sync_source (name) VALUES ($1) ON CONFLICT (name) DO NOTHING`, source)
	require.NoError(t, err)
}

// accounts creates accounts by external id.
func (w *syncWorld) accounts(t *testing.T, ids ...string) {
	t.Helper()
	_, err := w.st.DB().Exec(context.Background(),
		`INSERT INTO account (external_id, name) SELECT id, id FROM unnest($1::text[]) id`, ids)
	require.NoError(t, err)
}

func (w *syncWorld) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, w.st.DB().QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func (w *syncWorld) state(t *testing.T, name string) store.SyncState {
	t.Helper()
	states, err := w.st.SyncStates(context.Background())
	require.NoError(t, err)
	for _, s := range states {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no sync_source %s", name)
	return store.SyncState{}
}

// run syncs src and returns the summary and error.
func (w *syncWorld) run(t *testing.T, src Source, full bool) (Summary, error) {
	t.Helper()
	return w.r.Run(context.Background(), src, full)
}

// autoAdvance moves the fake clock on 50ms whenever something waits on
// it (a paced request, a Retry-After), until the test ends.
func (w *syncWorld) autoAdvance(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		for w.clock.BlockUntilContext(ctx, 1) == nil {
			w.clock.Advance(50 * time.Millisecond)
		}
	}()
}

// waitOut advances the fake clock by d as soon as the runner waits on it.
func (w *syncWorld) waitOut(t *testing.T, d time.Duration) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if w.clock.BlockUntilContext(ctx, 1) == nil {
			w.clock.Advance(d)
		}
	}()
}

// warehouse creates a second database on the test server, standing for a
// customer's warehouse, and returns its URL; it is dropped afterwards.
func warehouse(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "hbwh_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, storetest.URL())
	if err != nil {
		t.Fatalf("connect to the test server %s: %v\nStart PostgreSQL or set TEST_DATABASE_URL.", storetest.URL(), err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name)
	require.NoError(t, err, "the test user must be allowed to CREATE DATABASE")
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), storetest.URL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			_ = c.Close(context.Background())
		}
	})
	u, err := url.Parse(storetest.URL())
	require.NoError(t, err)
	u.Path = "/" + name
	return u.String()
}

func execOn(t *testing.T, dsn string, sqls ...string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	defer conn.Close(ctx)
	for _, s := range sqls {
		_, err := conn.Exec(ctx, s)
		require.NoError(t, err, s)
	}
}
