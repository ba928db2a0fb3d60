package pulse_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// BenchmarkPulseFanOut is the weekly check-in to 300 CSMs with 40 scored
// accounts each (two DMs per CSM) against a fake Slack with no rate limit
// and no pacing: claims, page reads, posts and message records, end to end.
// It reports DMs/s and the run's total time, sending to one CSM at a time
// and to four at once.
func BenchmarkPulseFanOut(b *testing.B) {
	const csms, perCSM = 300, 40
	ctx := context.Background()
	st := store.New(storetest.Schema(b))
	seedFanOut(b, st, csms, perCSM)
	fake := bottest.NewSlack(b, nil)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-bench", APIURL: fake.APIURL()}, log)
	now := func() time.Time { return pulseMonday }
	for _, workers := range []int{1, 4} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			p := pulse.NewPulse(pulse.PulseConfig{Store: st, Slack: api, Weekday: time.Monday, Hour: 10, Location: time.UTC,
				Pace: -1, Workers: workers, Instance: "bench", Now: now, Logger: log})
			var dms int
			var elapsed time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				for _, q := range []string{"DELETE FROM job_run WHERE name LIKE 'pulse%'", "DELETE FROM pulse_message"} {
					if _, err := st.DB().Exec(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				start := time.Now()
				sum, err := p.RunTick(ctx)
				elapsed += time.Since(start)
				if err != nil {
					b.Fatal(err)
				}
				if sum.Checkins != csms || sum.Messages != 2*csms {
					b.Fatalf("run sent %d check-ins in %d DMs, want %d in %d", sum.Checkins, sum.Messages, csms, 2*csms)
				}
				dms += sum.Messages
			}
			b.ReportMetric(float64(dms)/elapsed.Seconds(), "DMs/s")
			b.ReportMetric(elapsed.Seconds()*1000/float64(b.N), "ms/run")
		})
	}
}

// seedFanOut writes csms CSMs (zone cached) owning perCSM scored accounts each.
func seedFanOut(b *testing.B, st *store.Store, csms, perCSM int) {
	b.Helper()
	ctx := context.Background()
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO csm (slack_user_id, email, name, tz)
		  SELECT 'U' || g, 'csm' || g || '@example.com', 'CSM ' || g, 'UTC' FROM generate_series(1, $1::int) g`, []any{csms}},
		{`INSERT INTO account (external_id, name, owner_id)
		  SELECT 'a-' || c.id || '-' || k, 'Account ' || c.id || '-' || k, c.id FROM csm c, generate_series(1, $1::int) k`, []any{perCSM}},
		{`INSERT INTO score (account_id, as_of, scorecard, score, band, confidence)
		  SELECT id, DATE '2026-11-22', 'default', (id * 37) % 100,
		         CASE WHEN (id * 37) % 100 >= 70 THEN 'green' WHEN (id * 37) % 100 >= 40 THEN 'yellow' ELSE 'red' END, 0.9
		  FROM account`, nil},
		{`ANALYZE`, nil},
	} {
		if _, err := st.DB().Exec(ctx, q.sql, q.args...); err != nil {
			b.Fatal(err)
		}
	}
}
