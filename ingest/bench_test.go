package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

var benchSignals = flag.Int("bench-signals", 1_000_000, "signals BenchmarkSignalsAPIvsCOPY sends")

const (
	benchBatch    = 1000
	benchClients  = 4
	benchAccounts = 1000
)

var benchMetrics = []string{"nps", "csat", "support_tickets", "seats_used", "mrr"}

// BenchmarkSignalsAPIvsCOPY sends the signals through POST /v1/signals in
// batches of 1,000 from 4 concurrent clients and, in the same run, COPYs
// the same rows into a bare table (no key, no index: the ceiling) and into
// signal itself (the floor for a table keyed by account, metric, time and
// source), and reports the rates and ratios. Target (issue 15): the API at
// least 0.2 of the bare COPY.
func BenchmarkSignalsAPIvsCOPY(b *testing.B) {
	n := *benchSignals
	sigs := benchSignalSet(n)
	bodies := benchBodies(b, sigs)
	for range b.N {
		bareRate, signalRate := benchCopy(b, sigs)
		apiRate := benchAPI(b, bodies, n)
		b.ReportMetric(apiRate, "api_items/s")
		b.ReportMetric(bareRate, "bare_copy_items/s")
		b.ReportMetric(signalRate, "copy_signal_items/s")
		b.ReportMetric(apiRate/bareRate, "api/bare_copy")
		b.ReportMetric(apiRate/signalRate, "api/copy_signal")
		b.Logf("%d signals: API %.0f items/s, bare COPY %.0f items/s (ratio %.2f), COPY into signal %.0f items/s (ratio %.2f)",
			n, apiRate, bareRate, apiRate/bareRate, signalRate, apiRate/signalRate)
		if apiRate < bareRate/5 {
			b.Errorf("the API reached %.2f of the bare COPY rate; the target is at least 0.2", apiRate/bareRate)
		}
	}
}

func benchSignalSet(n int) []ingest.Signal {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]ingest.Signal, n)
	for i := range out {
		m := i / benchAccounts // each (account, metric, hour) once
		// Values in 0–99.6: valid for every bench metric's kind (an NPS is
		// at most 100), so the API stores all of them.
		out[i] = ingest.Signal{
			Account: fmt.Sprintf("acct-%04d", i%benchAccounts), Metric: benchMetrics[m%len(benchMetrics)],
			ObservedAt: base.Add(time.Duration(m/len(benchMetrics)) * time.Hour), Value: float64(i%997) / 10, Source: "bench",
		}
	}
	return out
}

func benchBodies(b *testing.B, sigs []ingest.Signal) [][]byte {
	type item struct {
		Account    string  `json:"account"`
		Metric     string  `json:"metric"`
		ObservedAt string  `json:"observed_at"`
		Value      float64 `json:"value"`
		Source     string  `json:"source"`
	}
	var bodies [][]byte
	for i := 0; i < len(sigs); i += benchBatch {
		batch := make([]item, 0, benchBatch)
		for _, s := range sigs[i:min(i+benchBatch, len(sigs))] {
			batch = append(batch, item{s.Account, s.Metric, s.ObservedAt.Format(time.RFC3339), s.Value, s.Source})
		}
		raw, err := json.Marshal(map[string]any{"signals": batch})
		require.NoError(b, err)
		bodies = append(bodies, raw)
	}
	return bodies
}

// benchSchema is a fresh schema with the bench accounts; it returns their ids.
func benchSchema(b *testing.B) (*pgxpool.Pool, map[string]int64) {
	pool := storetest.Schema(b)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `INSERT INTO account (external_id, name)
		SELECT format('acct-%s', lpad(i::text, 4, '0')), 'Account ' || i FROM generate_series(0, $1 - 1) i`, benchAccounts)
	require.NoError(b, err)
	ids := map[string]int64{}
	rows, err := pool.Query(ctx, "SELECT external_id, id FROM account")
	require.NoError(b, err)
	var ext string
	var id int64
	_, err = pgx.ForEachRow(rows, []any{&ext, &id}, func() error { ids[ext] = id; return nil })
	require.NoError(b, err)
	return pool, ids
}

// benchCopy COPYs the signals into a bare table, then into signal (its
// partitions made first, as every writer does), each on a fresh schema.
func benchCopy(b *testing.B, sigs []ingest.Signal) (bare, signal float64) {
	ctx := context.Background()
	pool, ids := benchSchema(b)
	rows := make([][]any, len(sigs))
	for i, s := range sigs {
		rows[i] = []any{ids[s.Account], s.Metric, s.ObservedAt, s.Value, s.Source}
	}
	cols := []string{"account_id", "metric", "observed_at", "value", "source"}
	_, err := pool.Exec(ctx, `CREATE TABLE bare_signal (account_id bigint, metric text, observed_at timestamptz, value float8, source text)`)
	require.NoError(b, err)
	rate := func(table string) float64 {
		_, _ = pool.Exec(ctx, "CHECKPOINT") // the previous phase's WAL off this one's clock
		start := time.Now()
		n, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		elapsed := time.Since(start)
		require.NoError(b, err)
		require.Equal(b, int64(len(sigs)), n)
		return float64(n) / elapsed.Seconds()
	}
	bare = rate("bare_signal")
	require.NoError(b, store.New(pool).EnsurePartitions(ctx, sigs[0].ObservedAt, sigs[len(sigs)-1].ObservedAt))
	return bare, rate("signal")
}

func benchAPI(b *testing.B, bodies [][]byte, n int) float64 {
	pool, _ := benchSchema(b)
	elapsed := benchServe(b, pool, "/v1/signals", bodies)
	var stored int
	require.NoError(b, pool.QueryRow(context.Background(), "SELECT count(*) FROM signal").Scan(&stored))
	require.Equal(b, n, stored)
	return float64(n) / elapsed.Seconds()
}

// benchServe posts bodies to path on a fresh intake server over pool from
// benchClients concurrent clients and returns how long they took.
func benchServe(b *testing.B, pool *pgxpool.Pool, path string, bodies [][]byte) time.Duration {
	s := store.New(pool)
	key, err := ingest.NewAPIKey()
	require.NoError(b, err)
	_, err = s.CreateAPIKey(context.Background(), "bench", key)
	require.NoError(b, err)
	h, err := ingest.New(ingest.Config{Store: s, Logger: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	require.NoError(b, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}

	work := make(chan []byte, len(bodies))
	for _, body := range bodies {
		work <- body
	}
	close(work)
	errs := make(chan error, benchClients)
	var wg sync.WaitGroup
	start := time.Now()
	for range benchClients {
		wg.Go(func() {
			for body := range work {
				if err := benchPost(client, srv.URL+path, key, body); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	return elapsed
}

var benchEvents = flag.Int("bench-events", 200_000, "events BenchmarkSegmentBatchVsCOPY sends")

// BenchmarkSegmentBatchVsCOPY sends track calls through Segment's POST
// /v1/batch in batches of 500 (about 100 KB, under Segment's 500 KB) from 4
// concurrent clients, each event attributed to its account by its group
// id, and in the same run COPYs the same events into a bare events table
// (no key, no index), and reports events/s of both and their ratio.
func BenchmarkSegmentBatchVsCOPY(b *testing.B) {
	n := *benchEvents
	const batch = 500
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	type event struct {
		Type       string         `json:"type"`
		UserID     string         `json:"userId"`
		Event      string         `json:"event"`
		MessageID  string         `json:"messageId"`
		Timestamp  string         `json:"timestamp"`
		Properties map[string]any `json:"properties"`
		Context    map[string]any `json:"context"`
	}
	events := make([]event, n)
	for i := range events {
		acct := fmt.Sprintf("acct-%04d", i%benchAccounts)
		events[i] = event{Type: "track", UserID: fmt.Sprintf("user-%d", i%(benchAccounts*5)), Event: benchEventNames[i%len(benchEventNames)],
			MessageID: fmt.Sprintf("bench-%d", i), Timestamp: base.Add(time.Duration(i) * time.Second).Format(time.RFC3339),
			Properties: map[string]any{"plan": "pro", "n": i % 97}, Context: map[string]any{"groupId": acct}}
	}
	var bodies [][]byte
	for i := 0; i < n; i += batch {
		raw, err := json.Marshal(map[string]any{"batch": events[i:min(i+batch, n)]})
		require.NoError(b, err)
		bodies = append(bodies, raw)
	}
	for range b.N {
		ctx := context.Background()
		pool, _ := benchSchema(b)
		_, err := pool.Exec(ctx, `CREATE TABLE bare_event (message_id text, type text, account text, user_id text, name text,
			occurred_at timestamptz, properties jsonb)`)
		require.NoError(b, err)
		rows := make([][]any, n)
		for i, e := range events {
			props, err := json.Marshal(e.Properties)
			require.NoError(b, err)
			rows[i] = []any{e.MessageID, e.Type, e.Context["groupId"], e.UserID, e.Event, base.Add(time.Duration(i) * time.Second), string(props)}
		}
		_, _ = pool.Exec(ctx, "CHECKPOINT")
		start := time.Now()
		copied, err := pool.CopyFrom(ctx, pgx.Identifier{"bare_event"},
			[]string{"message_id", "type", "account", "user_id", "name", "occurred_at", "properties"}, pgx.CopyFromRows(rows))
		copyRate := float64(copied) / time.Since(start).Seconds()
		require.NoError(b, err)

		elapsed := benchServe(b, pool, "/v1/batch", bodies)
		var stored, attributed int
		require.NoError(b, pool.QueryRow(ctx, "SELECT count(*), count(account_id) FROM event").Scan(&stored, &attributed))
		require.Equal(b, n, stored)
		require.Equal(b, n, attributed, "every event is attributed by its group id")
		rate := float64(n) / elapsed.Seconds()
		b.ReportMetric(rate, "segment_events/s")
		b.ReportMetric(copyRate, "bare_copy_events/s")
		b.ReportMetric(rate/copyRate, "segment/bare_copy")
		b.Logf("%d events: Segment batch %.0f events/s, bare COPY %.0f events/s, ratio %.2f", n, rate, copyRate, rate/copyRate)
	}
}

var benchEventNames = []string{"Report Built", "Dashboard Viewed", "Invite Sent", "Export", "Settings Saved"}

func benchPost(c *http.Client, url, key string, body []byte) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /v1/signals: %d %s", resp.StatusCode, msg)
	}
	return nil
}
