package bot_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/store"
)

// BenchmarkDigest builds the Monday digest of the card benchmark's
// portfolio (10,000 accounts, a year of daily scores, weekly pulses, open
// alerts): the store's reads (scores now and a week earlier, eight weeks of
// band history, pulses, accounts) plus BuildDigest and the rendering. The
// plans are printed; seq scans of score, pulse or alert are reported.
func BenchmarkDigest(b *testing.B) {
	ctx := context.Background()
	tracer := &sqlRecorder{}
	st := store.New(tracedPool(b, tracer))
	now := time.Date(2026, 1, 14, 15, 0, 0, 0, time.UTC)
	start := time.Now()
	ids, _ := loadBenchPortfolio(b, st, now)
	b.Logf("loaded %d accounts, %d score rows in %s", len(ids), len(ids)*benchDays, time.Since(start).Round(time.Second))
	d := bot.NewDigest(bot.DigestConfig{Store: st})
	digestPlans(b, st, tracer, func() error { _, _, err := d.Build(ctx, now); return err })
	for b.Loop() {
		dg, msg, err := d.Build(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		if dg.ScoredAccounts < len(ids)/2 || len(dg.History) != 8 {
			b.Fatalf("digest of %d scored accounts and %d weeks", dg.ScoredAccounts, len(dg.History))
		}
		if err := blocks.Check(msg.Blocks, blocks.MaxBlocks); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/digest")
}

// digestPlans runs EXPLAIN ANALYZE on the queries fn runs (the digest's or
// a list's; not transaction control) and logs each one's execution time
// and whether it scans score, pulse or alert sequentially.
func digestPlans(b *testing.B, st *store.Store, rec *sqlRecorder, fn func() error) {
	b.Helper()
	qs, err := rec.record(fn)
	if err != nil {
		b.Fatal(err)
	}
	for _, q := range qs {
		head := strings.ToLower(strings.TrimSpace(q.sql))
		if !strings.HasPrefix(head, "select") && !strings.HasPrefix(head, "--") && !strings.HasPrefix(head, "with") {
			continue
		}
		rows, err := st.DB().Query(context.Background(), "EXPLAIN (ANALYZE, TIMING OFF) "+q.sql, q.args...)
		if err != nil {
			b.Fatalf("explain: %v", err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			b.Fatalf("explain: %v", err)
		}
		plan := strings.Join(lines, "\n")
		var seq []string
		for _, table := range []string{"score", "pulse", "alert"} {
			if strings.Contains(plan, "Seq Scan on "+table+" ") {
				seq = append(seq, table)
			}
		}
		b.Logf("%-40.40s %s seq scans: %v", strings.Fields(q.sql)[2], strings.TrimSpace(lines[len(lines)-1]), seq)
	}
}
