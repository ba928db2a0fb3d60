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
// batches of 1,000 from 4 concurrent clients, then COPYs the same rows
// straight into an empty signal table, and reports both rates and their
// ratio (target: the API at least half the COPY rate).
func BenchmarkSignalsAPIvsCOPY(b *testing.B) {
	n := *benchSignals
	sigs := benchSignalSet(n)
	bodies := benchBodies(b, sigs)
	for range b.N {
		copyRate := benchCopy(b, sigs)
		apiRate := benchAPI(b, bodies, n)
		b.ReportMetric(apiRate, "api_items/s")
		b.ReportMetric(copyRate, "copy_items/s")
		b.ReportMetric(apiRate/copyRate, "api/copy")
		b.Logf("%d signals: API %.0f items/s, COPY %.0f items/s, ratio %.2f", n, apiRate, copyRate, apiRate/copyRate)
		if apiRate < copyRate/2 {
			b.Errorf("the API reached %.2f of the COPY rate; the target is at least 0.5", apiRate/copyRate)
		}
	}
}

func benchSignalSet(n int) []ingest.Signal {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]ingest.Signal, n)
	for i := range out {
		m := i / benchAccounts // each (account, metric, hour) once
		out[i] = ingest.Signal{
			Account: fmt.Sprintf("acct-%04d", i%benchAccounts), Metric: benchMetrics[m%len(benchMetrics)],
			ObservedAt: base.Add(time.Duration(m/len(benchMetrics)) * time.Hour), Value: float64(i%997) / 7, Source: "bench",
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

func benchCopy(b *testing.B, sigs []ingest.Signal) float64 {
	pool, ids := benchSchema(b)
	rows := make([][]any, len(sigs))
	for i, s := range sigs {
		rows[i] = []any{ids[s.Account], s.Metric, s.ObservedAt, s.Value, s.Source, s.IdempotencyKey()}
	}
	start := time.Now()
	n, err := pool.CopyFrom(context.Background(), pgx.Identifier{"signal"},
		[]string{"account_id", "metric", "observed_at", "value", "source", "idempotency_key"}, pgx.CopyFromRows(rows))
	elapsed := time.Since(start)
	require.NoError(b, err)
	require.Equal(b, int64(len(sigs)), n)
	return float64(n) / elapsed.Seconds()
}

func benchAPI(b *testing.B, bodies [][]byte, n int) float64 {
	pool, _ := benchSchema(b)
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
				if err := benchPost(client, srv.URL+"/v1/signals", key, body); err != nil {
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
	var stored int
	require.NoError(b, pool.QueryRow(context.Background(), "SELECT count(*) FROM signal").Scan(&stored))
	require.Equal(b, n, stored)
	return float64(n) / elapsed.Seconds()
}

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
