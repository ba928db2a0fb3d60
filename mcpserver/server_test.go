package mcpserver_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/ask/asktest"
	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/mcpserver"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func newAsker(t testing.TB, st *store.Store) *ask.Asker {
	t.Helper()
	a, err := ask.New(st, nil, ask.Config{
		Metrics: []scoring.Metric{{Key: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users", HigherIsBetter: true, Feature: scoring.FeatureLatest}},
		Now:     func() time.Time { return asktest.Now },
	}, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	return a
}

// connect runs the server over an in-memory pipe and returns a client.
func connect(t testing.TB, st *store.Store) *mcp.ClientSession {
	t.Helper()
	ctx := context.Background()
	srv := mcpserver.New(newAsker(t, st), "test", nil)
	ct, stt := mcp.NewInMemoryTransports()
	ss, err := srv.Connect(ctx, stt, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = ss.Close() })
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1"}, nil).Connect(ctx, ct, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

func callJSON(t *testing.T, cs *mcp.ClientSession, name string, args any) map[string]any {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	require.NoError(t, err)
	require.False(t, res.IsError, "%s: %v", name, res.Content)
	var out map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.Content[0].(*mcp.TextContent).Text), &out))
	return out
}

func TestToolsAreTheQuestionLoopsTools(t *testing.T) {
	t.Parallel()
	st := storetest.Store(t)
	asktest.Seed(t, st)
	cs := connect(t, st)
	ctx := context.Background()

	list, err := cs.ListTools(ctx, nil)
	require.NoError(t, err)
	var names []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
		require.True(t, tl.Annotations.ReadOnlyHint, tl.Name)
		require.Equal(t, "object", tl.InputSchema.(map[string]any)["type"], tl.Name)
	}
	var want []string
	for _, ti := range newAsker(t, st).ToolInfos() {
		want = append(want, ti.Name)
	}
	require.Equal(t, want, names, "one table serves both")

	found := callJSON(t, cs, "search_accounts", map[string]any{"band": "red", "sort": "score_asc"})
	require.EqualValues(t, 1, found["matched"])
	acct := found["accounts"].([]any)[0].(map[string]any)
	require.Equal(t, "Acme Logistics", acct["name"])
	require.EqualValues(t, 30, acct["score"])

	card := callJSON(t, cs, "get_account", map[string]any{"account": "acme"})
	require.EqualValues(t, 30, card["score"])
	require.Equal(t, "red", card["band"])
	require.Equal(t, "acme", card["external_id"])

	// A mistake is a tool error the client's model can read, not a crash.
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "score_history", Arguments: map[string]any{"account": "acme", "days": 9999}})
	require.NoError(t, err)
	require.True(t, res.IsError)
	require.Contains(t, res.Content[0].(*mcp.TextContent).Text, "days must be between 1 and 365")

	// owner "me" means nobody here.
	res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: "search_accounts", Arguments: map[string]any{"owner": "me"}})
	require.NoError(t, err)
	require.True(t, res.IsError)
}

func TestAccountResourceAndReviewPrompt(t *testing.T) {
	t.Parallel()
	st := storetest.Store(t)
	asktest.Seed(t, st)
	cs := connect(t, st)
	ctx := context.Background()

	tmpls, err := cs.ListResourceTemplates(ctx, nil)
	require.NoError(t, err)
	require.Len(t, tmpls.ResourceTemplates, 1)
	require.Equal(t, mcpserver.AccountURITemplate, tmpls.ResourceTemplates[0].URITemplate)

	res, err := cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "healthbot://account/acme"})
	require.NoError(t, err)
	md := res.Contents[0].Text
	require.Equal(t, "text/markdown", res.Contents[0].MIMEType)
	require.Contains(t, md, "# Acme Logistics\n")
	require.Contains(t, md, "**Health score 30 (red)**")
	require.Contains(t, md, "| MRR | $12,000 |")
	require.Contains(t, md, "Active users: metric score 12, contribution −11.4")
	require.Contains(t, md, "> Champion left; budget cut.")
	require.Contains(t, md, "turned\\_red")

	_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "healthbot://account/nope"})
	require.Error(t, err)
	// A partial name is not an id: resources are exact.
	_, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "healthbot://account/acm"})
	require.Error(t, err)

	p, err := cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: mcpserver.ReviewPrompt, Arguments: map[string]string{"account": "Acme"}})
	require.NoError(t, err)
	require.Len(t, p.Messages, 2)
	text := p.Messages[0].Content.(*mcp.TextContent).Text
	require.Contains(t, text, `Review the health of the account "Acme Logistics"`)
	for _, tool := range []string{"get_account", "score_history", "list_alerts", "list_pulses"} {
		require.Contains(t, text, `<data tool="`+tool+`">{`, tool)
	}
	require.Contains(t, text, "Champion left; budget cut.")
	require.Contains(t, text, "Acme Logistics turned red (score 30)")
	emb := p.Messages[1].Content.(*mcp.EmbeddedResource)
	require.Equal(t, "healthbot://account/acme", emb.Resource.URI)

	_, err = cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: mcpserver.ReviewPrompt, Arguments: map[string]string{"account": "no such co"}})
	require.ErrorContains(t, err, "no account matches")
}

// The hostile calls of bot/ask's safety test, over MCP: every table is
// unchanged, and every call is refused or bounded.
func TestNoMCPToolCallCanWrite(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Schema(t))
	asktest.Seed(t, st)
	before := asktest.Snapshot(t, st)
	cs := connect(t, st)
	ctx := context.Background()
	refused := 0
	for i, h := range asktest.Hostile {
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: h.Name, Arguments: json.RawMessage(h.Args)})
		if err != nil { // unknown tools and non-object arguments: protocol errors
			refused++
			continue
		}
		text := res.Content[0].(*mcp.TextContent).Text
		if res.IsError {
			refused++
			require.NotContains(t, text, "SQLSTATE", "call %d", i)
			continue
		}
		var out map[string]any
		require.NoError(t, json.Unmarshal([]byte(text), &out), "call %d", i)
		if accts, ok := out["accounts"].([]any); ok {
			require.LessOrEqual(t, len(accts), store.AskMaxRows, "call %d", i)
		}
	}
	require.GreaterOrEqual(t, refused, 18, "most hostile calls are refused")
	require.Equal(t, before, asktest.Snapshot(t, st), "no MCP call changed the database")
}

func TestHTTPNeedsAnAPIKey(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Schema(t))
	asktest.Seed(t, st)
	key, err := ingest.NewAPIKey()
	require.NoError(t, err)
	_, err = st.CreateAPIKey(context.Background(), "claude", key)
	require.NoError(t, err)
	srv := mcpserver.New(newAsker(t, st), "test", nil)
	auth := func(h http.Handler) http.Handler { return ingest.RequireKey(st, nil, slog.New(slog.DiscardHandler), h) }
	hs := httptest.NewServer(mcpserver.HTTPHandler(srv, auth, nil))
	t.Cleanup(hs.Close)

	init := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"curl","version":"1"}}}`
	post := func(bearer string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, hs.URL, strings.NewReader(init))
		require.NoError(t, err)
		req.Host = "healthbot.example.com" // as through a reverse proxy on the same host
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := hs.Client().Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	require.Equal(t, http.StatusUnauthorized, post("").StatusCode)
	require.Equal(t, http.StatusUnauthorized, post("hb_wrong").StatusCode)
	require.Equal(t, http.StatusOK, post(key).StatusCode)

	// A Go client with the key gets the card's numbers.
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "go-client", Version: "1"}, nil).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: hs.URL, HTTPClient: &http.Client{Transport: bearerTransport{key}}}, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = cs.Close() })
	card := callJSON(t, cs, "get_account", map[string]any{"account": "Globex"})
	require.EqualValues(t, 80, card["score"])

	require.NoError(t, st.RevokeAPIKey(context.Background(), "claude", asktest.Now))
	require.Equal(t, http.StatusUnauthorized, post(key).StatusCode, "a revoked key stops working at once")
}

type bearerTransport struct{ key string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.key)
	return http.DefaultTransport.RoundTrip(r)
}

func TestBacktestSummaryReadsTheLastBacktest(t *testing.T) {
	t.Parallel()
	st := storetest.Store(t)
	asktest.Seed(t, st)
	cs := connect(t, st)
	ctx := context.Background()

	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "backtest_summary", Arguments: map[string]any{}})
	require.NoError(t, err)
	require.True(t, res.IsError)
	require.Contains(t, res.Content[0].(*mcp.TextContent).Text, "healthbot backtest")

	report := `{"auc":0.8123,"auc_ci":[0.75,0.87],"n_accounts":300,"n_churned_accounts":21,"churn_rate":0.0412,
		"lift_worst_decile":3.456,"red_precision":0.31,"red_recall":0.62,"verdict":"the score separates churners well",
		"summary":"AUC 0.81 against 0.50 shuffled.","as_of_dates":["2026-01-31","2026-02-28"],
		"shuffled_control":{"auc":0.4987},"scorecards":[{"name":"default","auc":0.8,"auc_ci":[0.7,0.9],"verdict":"good"}],
		"suggested_scorecards":"weights: …"}`
	require.NoError(t, st.SaveBacktestRun(ctx, store.BacktestRun{RanAt: asktest.Now, HorizonDays: 90, Report: []byte(report)}))
	got := callJSON(t, cs, "backtest_summary", map[string]any{})
	require.Equal(t, 0.81, got["auc"])
	require.Equal(t, []any{0.75, 0.87}, got["auc_ci"])
	require.Equal(t, 0.5, got["shuffled_control_auc"])
	require.Equal(t, 3.46, got["lift_worst_decile"])
	require.EqualValues(t, 90, got["horizon_days"])
	require.Equal(t, "2026-03-02", got["ran_on"])
	require.Equal(t, "2026-02-28", got["last_as_of"])
	require.Equal(t, "default", got["scorecards"].([]any)[0].(map[string]any)["name"])
	require.NotContains(t, got, "suggested_scorecards", "only the numbers a reader needs")
}
