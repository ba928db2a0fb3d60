package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store/storetest"
)

// setupMain starts a Main on a fresh schema and a free port.
func setupMain(t *testing.T, mutate func(*Config)) *Main {
	t.Helper()
	cfg, err := ParseConfig(envOf(map[string]string{
		"DATABASE_URL":        storetest.SchemaURL(t),
		"HEALTHBOT_HTTP_ADDR": "127.0.0.1:0",
	}))
	require.NoError(t, err)
	if mutate != nil {
		mutate(&cfg)
	}
	m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	return m
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestMainServesOpsEndpoints(t *testing.T) {
	t.Parallel()
	m := setupMain(t, nil)
	base := "http://" + m.Addr()

	code, _ := get(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	code, _ = get(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code)
	code, body := get(t, base+"/metrics")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, "go_goroutines")
	code, body = get(t, base+"/v1/openapi.yaml")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, string(ingest.OpenAPI()), body, "serve publishes the intake's contract")
}

func TestRunRejectsUnknownCommandAndBadFlags(t *testing.T) {
	t.Parallel()
	var out, errOut stringsBuilder
	s := ioStreams{in: nil, out: &out, err: &errOut}
	require.Equal(t, 2, run(context.Background(), []string{"frobnicate"}, s, envOf(nil)))
	require.Contains(t, errOut.String(), `unknown command "frobnicate"`)
	require.Equal(t, 2, run(context.Background(), []string{"migrate", "--bogus"}, s, envOf(nil)))
	require.Contains(t, errOut.String(), "usage: healthbot migrate")
}

func TestServeRefusesOutdatedSchema(t *testing.T) {
	t.Parallel()
	pool := storetest.EmptySchema(t)
	url := storetest.URL() + "&search_path=" + pool.Config().ConnConfig.RuntimeParams["search_path"]
	var out, errOut stringsBuilder
	code := run(context.Background(), []string{"serve"}, ioStreams{out: &out, err: &errOut},
		envOf(map[string]string{"DATABASE_URL": url, "HEALTHBOT_HTTP_ADDR": "127.0.0.1:0"}))
	require.Equal(t, 1, code)
	require.Contains(t, errOut.String(), "healthbot migrate")
}
