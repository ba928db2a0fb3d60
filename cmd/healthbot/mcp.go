package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/mcpserver"
	"github.com/healthbot/healthbot/store"
)

func mcpCommand() command {
	return command{
		summary: "serve the read-only question tools over MCP on stdin/stdout (Claude Desktop, Cursor, …)",
		usage:   "mcp",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("mcp", e)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			pool, err := openDB(ctx, e, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			srv, err := newMCPServer(e.cfg, store.New(pool), e.log.With("component", "mcp"))
			if err != nil {
				return err
			}
			// stdout carries the protocol; logs go to stderr (e.log).
			return mcpserver.ServeStdio(ctx, srv, io.NopCloser(e.in), nopWriteCloser{e.out})
		},
	}
}

// newMCPServer serves the question tools; the model settings are unused
// (the client brings its own model).
func newMCPServer(cfg Config, st *store.Store, log *slog.Logger) (*mcp.Server, error) {
	cfg.OpenAIModel = ""
	a, err := newAsker(cfg, st, log)
	if err != nil {
		return nil, err
	}
	return mcpserver.New(a, buildVersion(), log), nil
}

// mountMCP serves MCP over streamable HTTP at /mcp; every request needs a
// live API key (healthbot apikey create).
func (m *Main) mountMCP() error {
	log := m.Logger.With("component", "mcp")
	srv, err := newMCPServer(m.Config, m.store, log)
	if err != nil {
		return err
	}
	auth := func(h http.Handler) http.Handler { return ingest.RequireKey(m.store, nil, log, h) }
	m.mux.Handle("/mcp", mcpserver.HTTPHandler(srv, auth, log))
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
