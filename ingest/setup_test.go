package ingest_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// fixedNow is the clock of every intake test.
var fixedNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

type bundle struct {
	t     *testing.T
	store *store.Store
	url   string
	key   string
	reg   *prometheus.Registry
	logs  *syncWriter
}

// setup starts the intake over a rolled-back transaction with one live API
// key and the account "acme".
func setup(t *testing.T, lim ingest.Limits) *bundle {
	t.Helper()
	return setupOn(t, storetest.Store(t), lim)
}

func setupOn(t *testing.T, s *store.Store, lim ingest.Limits) *bundle {
	t.Helper()
	return setupOnClock(t, s, lim, func() time.Time { return fixedNow })
}

// setupOnClock is setupOn with the intake's clock; opts change the
// intake's config further.
func setupOnClock(t *testing.T, s *store.Store, lim ingest.Limits, now func() time.Time, opts ...func(*ingest.Config)) *bundle {
	t.Helper()
	ctx := context.Background()
	key, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = s.CreateAPIKey(ctx, "test", key)
	require.NoError(t, err)
	_, err = s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme", Seats: 10})
	require.NoError(t, err)

	b := &bundle{t: t, store: s, key: key, reg: prometheus.NewRegistry(), logs: &syncWriter{w: &bytes.Buffer{}}}
	cfg := ingest.Config{
		Store: s, Logger: slog.New(slog.NewTextHandler(b.logs, nil)), Registry: b.reg,
		Now: now, Limits: lim,
	}
	for _, o := range opts {
		o(&cfg)
	}
	h, err := ingest.New(cfg)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("POST /v1/", h)
	// Every request and response is checked against openapi.yaml.
	srv := httptest.NewServer(conformance(mux, t.Errorf))
	t.Cleanup(srv.Close)
	b.url = srv.URL
	return b
}

// response is an intake answer, decoded.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
}

func (r response) errorItems() []map[string]any {
	e, _ := r.Body["error"].(map[string]any)
	items, _ := e["items"].([]any)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i], _ = it.(map[string]any)
	}
	return out
}

// post sends body (a value to encode, or []byte as is) with the bundle's
// key as a bearer token unless headers say otherwise.
func (b *bundle) post(path string, body any, headers ...string) response {
	b.t.Helper()
	raw, ok := body.([]byte)
	if !ok {
		var err error
		raw, err = json.Marshal(body)
		require.NoError(b.t, err)
	}
	req, err := http.NewRequest(http.MethodPost, b.url+path, bytes.NewReader(raw))
	require.NoError(b.t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+b.key)
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	out := response{Status: resp.StatusCode, Header: resp.Header}
	data, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	if len(data) > 0 {
		require.NoError(b.t, json.Unmarshal(data, &out.Body), "body: %s", data)
	}
	return out
}

func basic(user string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"))
}

func gzipped(t *testing.T, v any) []byte {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err = zw.Write(raw)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func (b *bundle) count(sql string, args ...any) int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.store.DB().QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// items reads the intake's item counter for one label set (0 when unset).
func (b *bundle) items(endpoint, outcome, reason string) float64 {
	b.t.Helper()
	mfs, err := b.reg.Gather()
	require.NoError(b.t, err)
	for _, mf := range mfs {
		if mf.GetName() != "healthbot_intake_items_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			l := map[string]string{}
			for _, lp := range m.GetLabel() {
				l[lp.GetName()] = lp.GetValue()
			}
			if l["endpoint"] == endpoint && l["outcome"] == outcome && l["reason"] == reason {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
}

// syncWriter serialises the handler's log writes for the test to read.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
