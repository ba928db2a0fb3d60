package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// Size of the alert benchmark: 10,000 accounts with 45 days of daily
// scores, an admin signal each, a pulse each and module interest for 1 in 20.
const (
	alertBenchAccounts = 10_000
	alertBenchDays     = 45
)

// BenchmarkEvaluateAlerts times one daily alert run over 10,000 accounts
// (inputs read in seven set-based queries, every rule, decisions stored),
// without Slack:
//
//   - first: a run that fires for a quarter of the portfolio (the alert
//     table emptied before each iteration);
//   - steady: the next day's run when nothing changed (the daily case).
func BenchmarkEvaluateAlerts(b *testing.B) {
	ctx := context.Background()
	st := store.New(storetest.Schema(b))
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	start := time.Now()
	loadAlertBench(b, st, day)
	b.Logf("loaded %d accounts, %d score rows in %s", alertBenchAccounts, alertBenchAccounts*alertBenchDays, time.Since(start).Round(time.Second))
	now := day.Add(6 * time.Hour)
	a := alerts.New(alerts.Config{Store: st, Now: func() time.Time { return now }})

	b.Run("first", func(b *testing.B) {
		fired := 0
		for b.Loop() {
			b.StopTimer()
			if _, err := st.DB().Exec(ctx, "DELETE FROM alert"); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			sum, err := a.EvaluateAndPostAlerts(ctx, day)
			if err != nil {
				b.Fatal(err)
			}
			fired = sum.Fired
		}
		b.ReportMetric(float64(fired), "alerts/run")
	})
	b.Run("steady", func(b *testing.B) {
		if _, err := a.EvaluateAndPostAlerts(ctx, day); err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			sum, err := a.EvaluateAndPostAlerts(ctx, day)
			if err != nil {
				b.Fatal(err)
			}
			if sum.Fired+sum.Resolved+sum.Reopened != 0 {
				b.Fatalf("a repeated run changed alerts: %+v", sum)
			}
		}
		b.ReportMetric(float64(alertBenchAccounts), "accounts/run")
	})
}

// loadAlertBench COPYs the benchmark portfolio: account i scores steady
// around a level; every 4th account dropped into red over the last week.
func loadAlertBench(b *testing.B, st *store.Store, day time.Time) {
	b.Helper()
	ctx := context.Background()
	var accounts [][]any
	for i := range alertBenchAccounts {
		accounts = append(accounts, []any{fmt.Sprintf("bench-%05d", i), fmt.Sprintf("Bench %05d", i), "Mid", []byte(`{"modules":["core"]}`)})
	}
	if _, err := st.DB().CopyFrom(ctx, pgx.Identifier{"account"}, []string{"external_id", "name", "segment", "attributes"}, pgx.CopyFromRows(accounts)); err != nil {
		b.Fatal(err)
	}
	rows, err := st.DB().Query(ctx, "SELECT id FROM account ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		b.Fatal(err)
	}
	var scores []scoring.Score
	var signals []store.IntakeSignal
	for i, id := range ids {
		level := 45 + float64(i%50)
		for back := alertBenchDays - 1; back >= 0; back-- {
			v := level
			if i%4 == 0 && back < 7 {
				v = 30
			}
			scores = append(scores, score(id, day.AddDate(0, 0, -back), v))
		}
		signals = append(signals, store.IntakeSignal{AccountID: id, Metric: "days_since_admin_seen", ObservedAt: day.Add(time.Hour), Value: float64(i % 40)})
		if i%20 == 0 {
			signals = append(signals, store.IntakeSignal{AccountID: id, Metric: "interest:analytics", ObservedAt: day.AddDate(0, 0, -3), Value: 1})
		}
	}
	if _, err := st.UpsertScores(ctx, scores); err != nil {
		b.Fatal(err)
	}
	if _, err := st.IntakeSignals(ctx, signals); err != nil {
		b.Fatal(err)
	}
	var pulses [][]any
	for i, id := range ids {
		rating := "healthy"
		if i%10 == 0 {
			rating = "poor"
		}
		pulses = append(pulses, []any{id, rating, scoring.ISOWeek(day), day.Add(-24 * time.Hour)})
	}
	if _, err := st.DB().CopyFrom(ctx, pgx.Identifier{"pulse"}, []string{"account_id", "rating", "week", "answered_at"}, pgx.CopyFromRows(pulses)); err != nil {
		b.Fatal(err)
	}
	if _, err := st.DB().Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}
