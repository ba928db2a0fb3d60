package ingest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// hostile is one request carrying one hostile value in one field.
type hostile struct {
	path, field string
	body        any
	auth        []string
}

// hostileValues are the values every text, number and date field is sent.
var (
	nul      = "a\x00b"
	huge     = strings.Repeat("x", 30_000)
	dateLow  = "0000-01-01"
	dateHigh = "9999-12-31"
)

func hostileRequests(key string) []hostile {
	var out []hostile
	seg := []string{"Authorization", basic(key)}
	account := func(field string, v any) {
		item := map[string]any{"external_id": "hostile-acc", "name": "Hostile"}
		item[field] = v
		out = append(out, hostile{"/v1/accounts", field, map[string]any{"accounts": []any{item}}, nil})
	}
	for _, f := range []string{"external_id", "name", "domain", "segment", "outcome", "plan", "owner_email", "owner_slack_id"} {
		account(f, nul)
		account(f, huge)
	}
	for _, v := range []any{1.7e308, -1.0, 1e13} {
		account("mrr", v)
	}
	for _, v := range []any{1.7e308, -1.0, 1.5} {
		account("seats", v)
	}
	for _, f := range []string{"renewal_date", "started_at", "churned_at"} {
		account(f, dateLow)
		account(f, dateHigh)
	}
	account("attributes", map[string]any{nul: "v"})
	account("attributes", map[string]any{"k": nul})
	account("attributes", map[string]any{"k": huge})
	account("attributes", map[string]any{"k": 1.7e308})

	signal := func(field string, v any) {
		item := map[string]any{"account": "acme", "metric": "logins", "observed_at": "2026-03-01", "value": 1.0}
		item[field] = v
		out = append(out, hostile{"/v1/signals", field, map[string]any{"signals": []any{item}}, nil})
	}
	for _, f := range []string{"account", "metric", "source", "key"} {
		signal(f, nul)
		signal(f, huge)
	}
	signal("observed_at", dateLow)
	signal("observed_at", dateHigh)
	signal("value", 1.7e308)
	signal("value", -1e308)
	for metric, v := range map[string]float64{"active_user_ratio": 85, "support_tickets": -1, "nps": 150, "csat": 101, "pulse": 7} {
		out = append(out, hostile{"/v1/signals", "value", map[string]any{"signals": []any{
			map[string]any{"account": "acme", "metric": metric, "observed_at": "2026-03-01", "value": v}}}, nil})
	}

	pulse := func(field string, v any) {
		item := map[string]any{"account": "acme", "csm_email": "dana@example.com", "rating": "poor", "week": "2026-W09"}
		item[field] = v
		out = append(out, hostile{"/v1/pulses", field, map[string]any{"pulses": []any{item}}, nil})
	}
	for _, f := range []string{"account", "csm_email", "note", "source"} {
		pulse(f, nul)
		pulse(f, huge)
	}
	pulse("reasons", []string{nul})
	pulse("reasons", []string{huge})
	pulse("rating", nul)
	pulse("week", "9999-W52")
	pulse("week", "0000-W01")
	pulse("answered_at", dateHigh)

	// Each hostile event travels beside a good one: a batch is all or
	// nothing, so the good event must not be stored either.
	event := func(field string, ev map[string]any) {
		out = append(out, hostile{"/v1/batch", field, map[string]any{"batch": []any{track("u1", "Good", "good-1"), ev}}, seg})
	}
	group := func() map[string]any {
		return map[string]any{"type": "group", "userId": "u1", "groupId": "acme", "messageId": "g1", "traits": map[string]any{"name": "Acme"}}
	}
	trk := func() map[string]any { return track("u1", "Report Built", "t1") }
	for _, v := range []string{nul, huge} {
		for _, f := range []string{"userId", "groupId", "name", "messageId"} {
			ev := group()
			ev[f] = v
			event(f, ev)
		}
		if v == huge { // NULs in traits and properties are dropped, as documented
			ev := group()
			ev["traits"] = map[string]any{"name": v}
			event("traits.name", ev)
		}
		for _, f := range []string{"event", "anonymousId"} {
			ev := trk()
			ev[f] = v
			event(f, ev)
		}
		ev := trk()
		ev["context"] = map[string]any{"groupId": v}
		event("context.groupId", ev)
	}
	ev := trk()
	ev["timestamp"] = dateHigh
	event("timestamp", ev)
	ev = group()
	ev["traits"] = map[string]any{"employees": "1e400 (sent as a number)"}
	event("traits", ev)
	return out
}

// Every field of every JSON intake path gets hostile values: NUL, 30,000
// characters, numbers that overflow a sum, dates nobody meant. Each gets a
// 4xx naming the field, never a 500, and nothing is written.
func TestHostileValuesOnEveryJSONIntakePath(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	r := b.post("/v1/accounts", map[string]any{"accounts": []any{map[string]any{"external_id": "owner-acc", "name": "Owner", "owner_email": "dana@example.com"}}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	rowCounts := func() string {
		return fmt.Sprint(b.count("SELECT count(*) FROM account"), b.count("SELECT count(*) FROM signal"),
			b.count("SELECT count(*) FROM pulse"), b.count("SELECT count(*) FROM event"),
			b.count("SELECT count(*) FROM account_user"), b.count("SELECT count(*) FROM csm"))
	}
	before := rowCounts()
	for _, h := range hostileRequests(b.key) {
		// 1e400 is no float64: send the field as written.
		var body any = h.body
		if h.field == "traits" {
			body = []byte(`{"batch":[{"type":"track","userId":"u1","event":"Good","messageId":"good-1"},{"type":"group","userId":"u1","groupId":"acme","messageId":"g1","traits":{"employees":1e400}}]}`)
		}
		r := b.post(h.path, body, h.auth...)
		what := fmt.Sprintf("%s %s = %.30q", h.path, h.field, fmt.Sprint(h.body))
		require.Equal(t, http.StatusBadRequest, r.Status, "%s: %v", what, r.Body)
		named := false
		for _, it := range r.errorItems() {
			named = named || strings.HasPrefix(fmt.Sprint(it["field"]), strings.Split(h.field, ".")[0])
		}
		require.True(t, named, "%s: the error names the field: %v", what, r.Body)
		require.Equal(t, before, rowCounts(), "%s: nothing written", what)
	}
}

// readTracker is a request body that records whether anything read it.
type readTracker struct {
	r    io.Reader
	read atomic.Bool
}

func (t *readTracker) Read(p []byte) (int, error) {
	t.read.Store(true)
	return t.r.Read(p)
}

// curl sends "Expect: 100-continue": an oversized batch must get its 413
// before the client sends the body, not a reset mid-upload.
func TestOversizedBodyIsRefusedBeforeItIsSent(t *testing.T) {
	t.Parallel()
	// Straight to the handler: the contract checker in front of setup's
	// server reads every body itself.
	st := storetest.Store(t)
	key, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = st.CreateAPIKey(context.Background(), "test", key)
	require.NoError(t, err)
	h, err := ingest.New(ingest.Config{Store: st, Limits: ingest.Limits{RESTBody: 1 << 10}, Registry: prometheus.NewRegistry(),
		Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	body := &readTracker{r: bytes.NewReader(bytes.Repeat([]byte(" "), 64<<10))}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/signals", body)
	require.NoError(t, err)
	req.ContentLength = 64 << 10
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Expect", "100-continue")
	client := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	require.False(t, body.read.Load(), "the server answered before asking for the body")
}

// A JSON array as the body was answered with a Go type
// (map[string]json.RawMessage); the error says what the body must be.
func TestBodyThatIsNotAnObjectGetsAPlainError(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	for _, body := range []string{`[{"external_id": "acme"}]`, `"accounts"`, `{"accounts": [}`} {
		r := b.post("/v1/accounts", []byte(body))
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		msg := fmt.Sprint(r.Body["error"].(map[string]any)["message"])
		require.Contains(t, msg, `the body must be a JSON object {"accounts": [...]}`, body)
		require.NotContains(t, msg, "Go ", body)
		require.NotContains(t, msg, "map[", body)
	}
}

// An events key (the Segment write key embedded in web pages) sends events
// and nothing else: the REST intake answers 403 naming the scope needed.
func TestEventsKeyOnlySendsEvents(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	key, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = b.store.CreateScopedAPIKey(context.Background(), "website", key, store.ScopeEvents)
	require.NoError(t, err)
	auth := []string{"Authorization", "Bearer " + key}
	r := b.post("/v1/accounts", map[string]any{"accounts": []any{map[string]any{"external_id": "acme", "name": "Pwned"}}}, auth...)
	require.Equal(t, http.StatusForbidden, r.Status)
	require.Contains(t, fmt.Sprint(r.Body["error"]), "--scope write")
	require.Equal(t, 1, b.count("SELECT count(*) FROM account WHERE external_id = 'acme' AND name = 'Acme'"), "not overwritten")
	r = b.post("/v1/batch", map[string]any{"batch": []any{track("u1", "Report Built", "m1")}}, "Authorization", basic(key))
	require.Equal(t, http.StatusOK, r.Status, r.Body)
}
