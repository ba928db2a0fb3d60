package ingest_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// The intake's failures are a public API (README, openapi.yaml, the Node
// test): each kind of failure keeps its HTTP status, its wire code and the
// reason it is counted under, now that they come from the error model's
// codes rather than a status carried by each error.
func TestEachFailureKeepsItsStatusCodeAndMetricReason(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{RESTBody: 4 << 10})
	events, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = b.store.CreateScopedAPIKey(context.Background(), "website", events, store.ScopeEvents)
	require.NoError(t, err)
	one := map[string]any{"signals": []any{signalItem("api_calls", 3)}}

	for _, c := range []struct {
		name    string
		body    any
		headers []string
		status  int
		code    string
	}{
		{"no key", one, []string{"Authorization", ""}, http.StatusUnauthorized, "unauthorized"},
		{"events key", one, []string{"Authorization", "Bearer " + events}, http.StatusForbidden, "forbidden"},
		{"not JSON", []byte("{nope"), nil, http.StatusBadRequest, "malformed"},
		{"brotli", one, []string{"Content-Encoding", "br"}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"too big", []byte(`{"signals": [` + strings.Repeat(" ", 5<<10) + `]}`), nil, http.StatusRequestEntityTooLarge, "too_large"},
	} {
		r := b.post("/v1/signals", c.body, c.headers...)
		require.Equal(t, c.status, r.Status, "%s: %v", c.name, r.Body)
		e := r.Body["error"].(map[string]any)
		require.Equal(t, c.code, e["code"], c.name)
		require.NotEmpty(t, e["message"], c.name)
		require.NotContains(t, e, "items", c.name)
		require.Equal(t, 1.0, b.items("signals", "rejected", c.code), "%s is counted under its wire code", c.name)
	}
	require.Equal(t, `Bearer realm="healthbot", Basic realm="healthbot"`,
		b.post("/v1/signals", one, "Authorization", "").Header.Get("WWW-Authenticate"))

	r := b.post("/v1/signals", map[string]any{"signals": []any{
		map[string]any{"account": "acme", "observed_at": "2026-03-01", "value": 1}, // no metric
		signalItem("api_calls", 2),
	}})
	require.Equal(t, http.StatusBadRequest, r.Status, r.Body)
	require.Equal(t, "invalid", r.Body["error"].(map[string]any)["code"])
	require.Equal(t, "1 of 2 items are invalid; nothing was written", r.Body["error"].(map[string]any)["message"])
	require.Len(t, r.errorItems(), 1, "the per-item list travels as the error's cause")
	require.Equal(t, 1.0, b.items("signals", "rejected", "invalid"))
	require.Equal(t, 1.0, b.items("signals", "rejected", "batch_invalid"))
}

// A panic anywhere below the intake's routes is answered as our failure
// (500, code internal, the usual message), logged with its stack, and the
// intake keeps serving.
func TestAPanicIsAnInternalFailureAndTheIntakeLivesOn(t *testing.T) {
	t.Parallel()
	var panicked atomic.Bool // the server calls it on its own goroutine
	b := setupOnClock(t, storetest.Store(t), ingest.Limits{}, func() time.Time { return fixedNow }, func(c *ingest.Config) {
		c.SignalKinds = func(context.Context) (valid.Kinds, error) {
			if panicked.CompareAndSwap(false, true) {
				var kinds valid.Kinds
				kinds["boom"] = valid.Count // a nil map write panics
			}
			return valid.BuiltinKinds(), nil
		}
	})
	r := b.post("/v1/signals", map[string]any{"signals": []any{signalItem("api_calls", 3)}})
	require.Equal(t, http.StatusInternalServerError, r.Status, r.Body)
	require.Equal(t, map[string]any{"code": "internal", "message": "the intake failed on our side; retry later (nothing was written)"}, r.Body["error"])
	require.Contains(t, b.logs.String(), "intake handler panicked")
	require.Contains(t, b.logs.String(), "errors_test.go", "the log carries the stack")
	r = b.post("/v1/signals", map[string]any{"signals": []any{signalItem("api_calls", 3)}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
}
