package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/connector/stripemock"
)

// stripeMockCustomer is the one customer stripe-mock lists ($20.00 a month, 1 seat).
const stripeMockCustomer = "cus_QXg1o8vcGmoR32"

func TestSyncCommandAgainstStripeMock(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	env := map[string]string{"DATABASE_URL": b.url, "STRIPE_API_KEY": "sk_test_123", "STRIPE_API_URL": stripemock.Start(t)}
	sync := func(args ...string) result {
		var out, errOut stringsBuilder
		code := run(b.ctx, args, ioStreams{out: &out, err: &errOut}, envOf(env))
		return result{code: code, out: out.String(), err: errOut.String()}
	}

	res := sync("sync", "status")
	require.Equal(t, 0, res.code, res.err)
	require.Regexp(t, `stripe\s+never`, res.out)

	res = sync("sync", "stripe")
	require.Equal(t, 0, res.code, res.err)
	require.Equal(t, "stripe: 1 read; accounts 1 inserted, 0 updated, 0 unchanged; signals 3 inserted, 0 updated, 0 unchanged; 0 skipped\n", res.out)
	var mrr float64
	require.NoError(t, b.pool.QueryRow(b.ctx, `SELECT mrr::float8 FROM account WHERE external_id = $1`, stripeMockCustomer).Scan(&mrr))
	require.Equal(t, 20.0, mrr)

	res = sync("sync", "stripe", "--full")
	require.Equal(t, 0, res.code, res.err)
	require.Contains(t, res.out, "accounts 0 inserted, 0 updated, 1 unchanged; signals 0 inserted, 0 updated, 3 unchanged")

	res = sync("sync", "status")
	require.Equal(t, 0, res.code, res.err)
	require.Regexp(t, `(?m)^stripe\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+ok\s+events after \d{4}-\d\d-\d\d \d\d:\d\d UTC\s+stripe: 1 read`, res.out)

	res = sync("sync", "hubspot")
	require.Equal(t, 1, res.code)
	require.Equal(t, "healthbot sync: HUBSPOT_TOKEN is not set: create a private app (scopes in the README) and set its access token\n", res.err)
	res = sync("sync", "salesforce")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.err, `cannot sync "salesforce"`)

	env["STRIPE_API_URL"] = "http://127.0.0.1:1/"
	res = sync("sync", "stripe")
	require.Equal(t, 1, res.code)
	require.Equal(t, 1, strings.Count(res.err, "\n"), "one line: %s", res.err)
	require.Contains(t, res.err, "healthbot sync: sync stripe: cannot reach Stripe (events): Get http://127.0.0.1:1: dial tcp 127.0.0.1:1")
	res = sync("sync", "status")
	require.Regexp(t, `stripe\s+.*failed\s+events after .* UTC\s+sync stripe: cannot reach Stripe`, res.out)
}

// TestMainSyncsOnScheduleOnceAcrossTwoBots: two bots configured for
// Stripe sync it once per HEALTHBOT_SYNC_INTERVAL between them.
func TestMainSyncsOnScheduleOnceAcrossTwoBots(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 11, 30, 8, 10, 0, 0, newYork))
	env := map[string]string{"STRIPE_API_KEY": "sk_test_123", "STRIPE_API_URL": stripemock.Start(t),
		"HEALTHBOT_SYNC_INTERVAL": "30m", "SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""}
	w.start(t, "bot-a", env)
	w.start(t, "bot-b", env)

	// Starting, the bots catch up the current half hour: one of them syncs.
	first := w.waitEvents(t, "the first sync", 1, finishOf("sync:stripe"))
	require.Empty(t, first[0].Err)
	w.waitEvents(t, "both bots' sync claims", 2, claimOf("sync:stripe"))
	w.waitEvents(t, "the score run", 1, finishOf("score"))
	w.armed(t)
	w.clock.Advance(30 * time.Minute)
	runs := w.waitEvents(t, "the second sync", 2, finishOf("sync:stripe"))
	claims := w.waitEvents(t, "both bots' claims of the next slot", 4, claimOf("sync:stripe"))
	require.Equal(t, 2, countWon(claims), "one run per slot across two bots")
	require.NotEqual(t, runs[0].Slot, runs[1].Slot)
	for _, r := range runs {
		require.Empty(t, r.Err)
	}
	var accounts int
	require.NoError(t, w.st.DB().QueryRow(context.Background(), `SELECT count(*) FROM account WHERE external_id = $1`, stripeMockCustomer).Scan(&accounts))
	require.Equal(t, 1, accounts)
	states, err := w.st.SyncStates(context.Background())
	require.NoError(t, err)
	require.Len(t, states, 1)
	// The second run is an events pass: stripe-mock's one event (a plan's,
	// in 2009) names no customer after the watermark, so nothing is read.
	require.Contains(t, states[0].LastSummary, "stripe: 0 read; accounts 0 inserted, 0 updated, 0 unchanged", "the second run changed nothing")
	require.Contains(t, w.logs.String(), "job not scheduled: HUBSPOT_TOKEN is not set")
}
