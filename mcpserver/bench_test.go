package mcpserver_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/healthbot/healthbot/bot/ask/asktest"
	"github.com/healthbot/healthbot/store/storetest"
)

// BenchmarkMCPGetAccount is one get_account call through the whole MCP
// path (client, JSON-RPC, server, read-only transaction) on asktest's
// portfolio.
func BenchmarkMCPGetAccount(b *testing.B) {
	st := storetest.Store(b)
	asktest.Seed(b, st)
	cs := connect(b, st)
	ctx := context.Background()
	params := &mcp.CallToolParams{Name: "get_account", Arguments: map[string]any{"account": "acme"}}
	for b.Loop() {
		res, err := cs.CallTool(ctx, params)
		if err != nil || res.IsError {
			b.Fatalf("get_account: %v %v", err, res)
		}
	}
}

// BenchmarkDirectGetAccount is the same call without MCP, for the
// protocol's share of BenchmarkMCPGetAccount.
func BenchmarkDirectGetAccount(b *testing.B) {
	st := storetest.Store(b)
	asktest.Seed(b, st)
	a := newAsker(b, st)
	ctx := context.Background()
	args := json.RawMessage(`{"account":"acme"}`)
	for b.Loop() {
		if _, err := a.CallTool(ctx, "get_account", args); err != nil {
			b.Fatal(err)
		}
	}
}
