package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/ask/asktest"
	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// mcpClientDir holds the Node project with the official TypeScript MCP SDK.
const mcpClientDir = "testdata/mcpclient"

// tsClientResult is what client.mjs prints.
type tsClientResult struct {
	Server struct {
		Name string `json:"name"`
	} `json:"server"`
	Tools []struct {
		Name     string `json:"name"`
		ReadOnly bool   `json:"readOnly"`
	} `json:"tools"`
	Search struct {
		Matched  int `json:"matched"`
		Accounts []struct {
			Name  string  `json:"name"`
			Score float64 `json:"score"`
			Band  string  `json:"band"`
		} `json:"accounts"`
	} `json:"search"`
	SearchStructured map[string]any `json:"searchStructured"`
	Account          struct {
		Name       string  `json:"name"`
		ExternalID string  `json:"external_id"`
		Score      float64 `json:"score"`
		Band       string  `json:"band"`
		MRR        float64 `json:"mrr"`
		Confidence float64 `json:"confidence"`
	} `json:"account"`
	BadCall struct {
		IsError bool   `json:"isError"`
		Text    string `json:"text"`
	} `json:"badCall"`
	Resource struct {
		URI      string `json:"uri"`
		MIMEType string `json:"mimeType"`
		Text     string `json:"text"`
	} `json:"resource"`
	PromptMessages int    `json:"promptMessages"`
	Unauthorized   string `json:"unauthorized"`
}

// runTSClient runs client.mjs with args and extra environment.
func runTSClient(t *testing.T, env []string, args ...string) tsClientResult {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: the MCP client test runs the official TypeScript SDK under Node.js 18+ (apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(mcpClientDir, "node_modules", "@modelcontextprotocol", "sdk")); err != nil {
		t.Fatalf("the TypeScript MCP SDK is not installed: run `npm ci --prefix cmd/healthbot/%s` (.ci/run does)", mcpClientDir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"client.mjs"}, args...)...)
	cmd.Dir = mcpClientDir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "client.mjs failed:\n%s", stderr.String())
	var out tsClientResult
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out), stdout.String())
	return out
}

// seedForMCP seeds asktest's portfolio through its own pool.
func seedForMCP(t *testing.T, url string) *store.Store {
	t.Helper()
	pool, err := store.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	st := store.New(pool)
	asktest.Seed(t, st)
	return st
}

// checkTSResult compares what the TypeScript client saw with the card's
// numbers as the store holds them.
func checkTSResult(t *testing.T, st *store.Store, got tsClientResult) {
	t.Helper()
	ctx := context.Background()
	require.Equal(t, "healthbot", got.Server.Name)
	var names []string
	for _, tl := range got.Tools {
		names = append(names, tl.Name)
		require.True(t, tl.ReadOnly, tl.Name)
	}
	require.Equal(t, []string{"backtest_summary", "get_account", "list_alerts", "list_pulses", "metrics", "portfolio_summary", "score_history", "search_accounts"}, names)

	acme, err := st.AccountByExternalID(ctx, "acme")
	require.NoError(t, err)
	card, err := st.LatestScore(ctx, acme.ID)
	require.NoError(t, err)
	round := func(v float64) float64 { return math.Round(v*10) / 10 }

	require.Equal(t, 1, got.Search.Matched, "%+v", got)
	require.Equal(t, "Acme Logistics", got.Search.Accounts[0].Name)
	require.Equal(t, round(card.Value), got.Search.Accounts[0].Score)
	require.Equal(t, string(card.Band), got.Search.Accounts[0].Band)
	require.NotEmpty(t, got.SearchStructured["accounts"], "structured content too")

	require.Equal(t, "acme", got.Account.ExternalID)
	require.Equal(t, round(card.Value), got.Account.Score)
	require.Equal(t, string(card.Band), got.Account.Band)
	require.Equal(t, math.Round(card.Confidence*100)/100, got.Account.Confidence)
	require.Equal(t, acme.MRR, got.Account.MRR)

	require.True(t, got.BadCall.IsError)
	require.Contains(t, got.BadCall.Text, "days must be between 1 and 365")

	require.Equal(t, "healthbot://account/acme", got.Resource.URI)
	require.Equal(t, "text/markdown", got.Resource.MIMEType)
	require.Contains(t, got.Resource.Text, "**Health score 30 (red)**")
	require.Equal(t, 2, got.PromptMessages)
}

func TestMCPWithTheTypeScriptSDKOverStdio(t *testing.T) {
	t.Parallel()
	url := storetest.SchemaURL(t)
	st := seedForMCP(t, url)
	self, err := os.Executable()
	require.NoError(t, err)
	got := runTSClient(t, []string{asCLI + "=1", "DATABASE_URL=" + url, "HEALTHBOT_LOG_LEVEL=warn"}, "stdio", self, "mcp")
	checkTSResult(t, st, got)
}

func TestMCPWithTheTypeScriptSDKOverHTTP(t *testing.T) {
	t.Parallel()
	url := storetest.SchemaURL(t)
	st := seedForMCP(t, url)
	cfg, err := ParseConfig(envOf(map[string]string{"DATABASE_URL": url, "HEALTHBOT_HTTP_ADDR": "127.0.0.1:0"}))
	require.NoError(t, err)
	m := NewMain(cfg, slog.New(slog.DiscardHandler))
	// The scheduler's start-up scoring run lands a year before the seeded
	// scores, so it cannot replace them.
	m.Clock = clockwork.NewFakeClockAt(asktest.Now.AddDate(-1, 0, 0))
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	key, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = st.CreateAPIKey(context.Background(), "cursor", key)
	require.NoError(t, err)
	endpoint := "http://" + m.Addr() + "/mcp"

	resp, err := http.Post(endpoint, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	got := runTSClient(t, nil, "http", endpoint, key)
	require.Contains(t, got.Unauthorized, "401", "the SDK without a key is refused")
	checkTSResult(t, st, got)
}
