package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/internal/goldenfile"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// digestDemoGolden is the digest of the demo portfolio.
var digestDemoGolden = filepath.Join("testdata", "digest_demo.golden.json")

// TestDigestOfTheDemoPortfolio builds the Monday digest of `healthbot
// demo`'s portfolio (seed 1, 300 accounts, history to Sunday 2026-11-29),
// scored weekly for the chart's eight weeks and with the day's alerts
// evaluated, and compares its Block Kit JSON with the golden file. Every
// input is fixed, so the output is too; -update rewrites it.
func TestDigestOfTheDemoPortfolio(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// A fresh schema (ids from 1) and no parallel query: a parallel avg()
	// adds floats in a varying order, and a last-bit difference can flip a
	// rounded score shown in the digest.
	pool, err := store.Open(ctx, storetest.SchemaURL(t)+"&max_parallel_workers_per_gather=0")
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st := store.New(pool)
	monday := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	p, err := demo.Generate(demo.Config{Seed: 1, AsOf: monday})
	require.NoError(t, err)
	_, err = st.LoadDemo(ctx, store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}, false)
	require.NoError(t, err)

	sunday := monday.AddDate(0, 0, -1)
	cards := scoring.DefaultScorecards()
	for w := 7; w >= 0; w-- {
		_, err := app.RunScoring(ctx, st, cards, sunday.AddDate(0, 0, -7*w))
		require.NoError(t, err)
	}
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, newYork)
	_, err = alerts.New(alerts.Config{Store: st, Scorecards: cards, Location: newYork, Now: func() time.Time { return at }}).
		EvaluateAndPostAlerts(ctx, sunday)
	require.NoError(t, err)

	d := bot.NewDigest(bot.DigestConfig{Store: st, Location: newYork})
	dg, msg, err := d.Build(ctx, at)
	require.NoError(t, err)
	require.NoError(t, blocks.Check(msg.Blocks, blocks.MaxBlocks))
	require.Equal(t, "2026-W49", dg.Week)
	require.Len(t, dg.History, 8)
	require.Positive(t, dg.ScoredAccounts)
	require.NotEmpty(t, dg.Down)
	require.NotEmpty(t, dg.Renewals)
	t.Logf("demo digest: %d scored, bands %v (last week %v), %d newly red, %d renewals at risk (MRR %.0f), %d expansion, %d disagreements, %d blocks",
		dg.ScoredAccounts, dg.Bands, dg.BandsLastWeek, len(dg.NewlyRed), len(dg.Renewals), dg.MRRAtRisk, len(dg.Expansion), len(dg.Disagreements), len(msg.Blocks))

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(msg.Blocks))
	want := goldenfile.Want(t, digestDemoGolden, buf.Bytes())
	require.Equal(t, string(want), buf.String(), "the demo digest changed; review the diff and run with -update")
}
