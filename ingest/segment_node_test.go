package ingest_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// TestRealSegmentLibraryDelivers runs @segment/analytics-node, unmodified,
// from npm (ingest/segmenttest) against the intake: its identify, group and
// track calls must arrive as events of the right account.
func TestRealSegmentLibraryDelivers(t *testing.T) {
	t.Parallel()
	node, npm := need(t, "node"), need(t, "npm")
	dir, err := filepath.Abs("segmenttest")
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	npmInstall(ctx, t, npm, dir)

	// A real pool: the library may send batches concurrently. The library
	// stamps calls without a timestamp with its wall clock, so the intake
	// reads the same clock (a fixed one would see them as in the future).
	b := setupOnClock(t, store.New(storetest.Schema(t)), ingest.Limits{}, time.Now)
	cmd := exec.CommandContext(ctx, node, "send.mjs", b.url, b.key)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "node send.mjs:\n%s", out)
	require.Contains(t, string(out), "all calls delivered")

	// The library sends its batches concurrently, so a track call may be
	// stored before its user's group call; the rollup attributes it then.
	_, err = b.store.RollupUsage(ctx, store.RollupOptions{AsOf: time.Now()})
	require.NoError(t, err)
	acme := b.count("SELECT id FROM account WHERE external_id = 'acme'")
	require.Equal(t, 3, b.count("SELECT count(*) FROM event WHERE type = 'track' AND account_id = $1", acme), "every track call counts for acme")
	require.Equal(t, 2, b.count("SELECT count(*) FROM event WHERE type = 'group' AND account_id = $1", acme))
	require.Equal(t, 2, b.count("SELECT count(*) FROM event WHERE type = 'identify'"))
	require.Equal(t, 1, b.count(`SELECT count(*) FROM event WHERE name = 'Report Built' AND user_id = 'seg-ada'
		AND occurred_at = '2026-03-01T10:00:00Z' AND properties->>'rows' = '3'`))
	require.Equal(t, 1, b.count("SELECT count(*) FROM account_user WHERE account_id = $1 AND user_id = 'seg-ada' AND is_admin", acme))
	require.Equal(t, 1, b.count("SELECT count(*) FROM account_user WHERE account_id = $1 AND user_id = 'seg-bob' AND NOT is_admin", acme))
	require.Equal(t, 7, b.count("SELECT count(DISTINCT message_id) FROM event WHERE message_id NOT LIKE 'hb-%'"), "the library's own message ids")
	require.Equal(t, 7.0, b.items("batch", "accepted", "stored"))
	require.Zero(t, b.items("batch", "rejected", "invalid"))
}

// need finds a program the test cannot do without, or fails saying how to
// install it.
func need(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is needed to run Segment's own Node library against the intake: install Node.js and npm (Debian: apt-get install nodejs npm)", name)
	}
	return p
}

// npmInstall runs npm ci in dir unless node_modules is already newer than
// the lock file.
func npmInstall(ctx context.Context, t *testing.T, npm, dir string) {
	t.Helper()
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	require.NoError(t, err)
	if inst, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && inst.ModTime().After(lock.ModTime()) {
		return
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--prefer-offline")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "npm ci in %s (needs the npm registry or its cache):\n%s", dir, out)
}
