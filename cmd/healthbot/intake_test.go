package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCLI runs one healthbot command line against the database of m.
func runCLI(t *testing.T, m *Main, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut stringsBuilder
	env := envOf(map[string]string{"DATABASE_URL": m.Config.DatabaseURL, "HEALTHBOT_KEY_FEATURES": "Report Built, Export"})
	code := run(context.Background(), args, ioStreams{out: &out, err: &errOut}, env)
	return code, out.String(), errOut.String()
}

func postJSON(t *testing.T, url, key, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestAPIKeysAndIntakeThroughServe(t *testing.T) {
	t.Parallel()
	m := setupMain(t, nil)
	base := "http://" + m.Addr()

	code, out, errOut := runCLI(t, m, "apikey", "create", "crm-sync")
	require.Equal(t, 0, code, errOut)
	key := strings.TrimSpace(out)
	require.Regexp(t, `^hb_[A-Za-z0-9_-]{43}$`, key)
	require.Contains(t, errOut, "shown only this once")
	code, _, errOut = runCLI(t, m, "apikey", "create", "crm-sync")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "exists; revoke it first")

	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/accounts", key, `{"accounts": [{"external_id": "acme", "name": "Acme", "seats": 4}]}`))
	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/signals", key, `{"signals": [{"account": "acme", "metric": "nps", "observed_at": "2026-03-01", "value": 30}]}`))
	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/track", key, `{"userId": "u1", "event": "Export", "timestamp": "2026-03-01T09:00:00Z", "context": {"groupId": "acme"}}`))
	_, metrics := get(t, base+"/metrics")
	require.Contains(t, metrics, `healthbot_intake_items_total{endpoint="signals",outcome="accepted",reason="stored"} 1`)

	code, out, _ = runCLI(t, m, "apikey", "list")
	require.Equal(t, 0, code)
	require.Regexp(t, `crm-sync\s+write\s+\S+ \S+\s+\d{4}-\d\d-\d\d \S+\s+live`, out, "last use recorded")
	require.NotContains(t, out, key)

	code, out, _ = runCLI(t, m, "rollup", "--as-of", "2026-03-02")
	require.Equal(t, 0, code)
	require.Contains(t, out, "active_user_ratio")
	require.Contains(t, out, "key_feature_adoption")

	code, _, _ = runCLI(t, m, "apikey", "revoke", "crm-sync")
	require.Equal(t, 0, code)
	require.Equal(t, http.StatusUnauthorized, postJSON(t, base+"/v1/signals", key, `{"signals": []}`))
	code, _, errOut = runCLI(t, m, "apikey", "revoke", "crm-sync")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "no live API key")
	code, _, _ = runCLI(t, m, "apikey", "frob")
	require.Equal(t, 2, code)
	code, _, _ = runCLI(t, m, "rollup", "--as-of", "yesterday")
	require.Equal(t, 2, code)
}

// Any key was also a Segment write key, and write keys sit in web pages: a
// key lifted from a page could overwrite accounts. An events key only
// sends events; existing keys keep working as admin keys.
func TestAPIKeyScopes(t *testing.T) {
	t.Parallel()
	m := setupMain(t, nil)
	base := "http://" + m.Addr()

	code, out, errOut := runCLI(t, m, "apikey", "create", "--scope", "events", "website")
	require.Equal(t, 0, code, errOut)
	events := strings.TrimSpace(out)
	require.Contains(t, errOut, "scope events")
	code, out, errOut = runCLI(t, m, "apikey", "create", "crm", "--scope=write")
	require.Equal(t, 0, code, errOut)
	write := strings.TrimSpace(out)
	code, _, errOut = runCLI(t, m, "apikey", "create", "--scope", "root", "x")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "want events, read, write or admin")

	require.Equal(t, http.StatusForbidden, postJSON(t, base+"/v1/accounts", events, `{"accounts": [{"external_id": "acme", "name": "Pwned"}]}`))
	require.Equal(t, http.StatusForbidden, postJSON(t, base+"/v1/signals", events, `{"signals": []}`))
	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/track", events, `{"userId": "u1", "event": "Export", "timestamp": "2026-03-01T09:00:00Z"}`))
	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/accounts", write, `{"accounts": [{"external_id": "acme", "name": "Acme"}]}`))
	require.Equal(t, http.StatusOK, postJSON(t, base+"/v1/track", write, `{"userId": "u1", "event": "Export", "timestamp": "2026-03-01T09:00:00Z"}`))

	// A read key reads the portfolio over MCP and writes nothing; an events
	// key (it sits in web pages) reads nothing.
	code, out, errOut = runCLI(t, m, "apikey", "create", "claude", "--scope", "read")
	require.Equal(t, 0, code, errOut)
	read := strings.TrimSpace(out)
	require.Equal(t, http.StatusForbidden, postJSON(t, base+"/v1/signals", read, `{"signals": []}`))
	require.Equal(t, http.StatusForbidden, postJSON(t, base+"/v1/track", read, `{"userId": "u1", "event": "Export", "timestamp": "2026-03-01T09:00:00Z"}`))
	require.Equal(t, http.StatusOK, mcpInitialize(t, base+"/mcp", read))
	require.Equal(t, http.StatusOK, mcpInitialize(t, base+"/mcp", write))
	require.Equal(t, http.StatusForbidden, mcpInitialize(t, base+"/mcp", events))

	code, out, _ = runCLI(t, m, "apikey", "list")
	require.Equal(t, 0, code)
	require.Regexp(t, `claude\s+read\s`, out)
	require.Regexp(t, `website\s+events\s`, out)
	require.Regexp(t, `crm\s+write\s`, out)

	// A revoked key and one that never existed get the same answer.
	code, _, _ = runCLI(t, m, "apikey", "revoke", "crm")
	require.Equal(t, 0, code)
	revoked := postRaw(t, base+"/v1/signals", write)
	unknown := postRaw(t, base+"/v1/signals", "hb_neverexisted")
	require.Equal(t, http.StatusUnauthorized, revoked.status)
	require.Equal(t, revoked, unknown)
}

type rawAnswer struct {
	status int
	body   string
}

func postRaw(t *testing.T, url, key string) rawAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"signals": []}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return rawAnswer{resp.StatusCode, strings.TrimSpace(string(b))}
}

// mcpInitialize opens an MCP session over streamable HTTP with key and
// returns the status.
func mcpInitialize(t *testing.T, url, key string) int {
	t.Helper()
	body := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"test","version":"1"}}}`
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	return resp.StatusCode
}
