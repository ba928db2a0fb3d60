package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/store"
)

func apikeyCommand() command {
	return command{
		summary: "create, list or revoke intake API keys (also Segment write keys)",
		usage:   "apikey create [--scope events|read|write|admin] NAME | list [--json] | revoke NAME",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("apikey", e)
			scopeName := fs.String("scope", string(store.ScopeWrite), "create: what the key may do: events (Segment intake only), read (/mcp), write (intake) or admin")
			asJSON := fs.Bool("json", false, "list: print a JSON array of the keys")
			pos, err := parseInterleaved(fs, args)
			if err != nil {
				return err
			}
			if len(pos) == 0 {
				return usagef("missing subcommand: create, list or revoke")
			}
			sub, rest := pos[0], pos[1:]
			want := map[string]int{"create": 1, "list": 0, "revoke": 1}
			n, ok := want[sub]
			if !ok {
				return usagef("unknown subcommand %q: want create, list or revoke", sub)
			}
			if len(rest) != n {
				return usagef("%s takes %d argument(s), got %d", sub, n, len(rest))
			}
			set := map[string]bool{}
			fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
			if set["scope"] && sub != "create" {
				return usagef("--scope goes with create")
			}
			if set["json"] && sub != "list" {
				return usagef("--json goes with list")
			}
			scope, err := store.ParseScope(*scopeName)
			if err != nil {
				return usagef("--scope: %v", err)
			}
			pool, err := openDB(ctx, e, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			s := store.New(pool)
			switch sub {
			case "create":
				return createAPIKey(ctx, e, s, rest[0], scope)
			case "revoke":
				return revokeAPIKey(ctx, e, s, rest[0])
			}
			return listAPIKeys(ctx, e, s, *asJSON)
		},
	}
}

func createAPIKey(ctx context.Context, e *env, s *store.Store, name string, scope store.Scope) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return usagef("the key needs a name")
	}
	key, err := ingest.NewAPIKey()
	if err != nil {
		return err
	}
	if _, err := s.CreateScopedAPIKey(ctx, name, key, scope); err != nil {
		if errors.Is(err, store.ErrAPIKeyExists) {
			return fmt.Errorf("an API key named %q exists; revoke it first (healthbot apikey revoke %s) or pick another name", name, name)
		}
		return err
	}
	fmt.Fprintln(e.out, key)
	fmt.Fprintf(e.err, "Created API key %q (scope %s). It is shown only this once: store it now.\n", name, scope)
	switch {
	case scope.Allows(store.ScopeWrite):
		fmt.Fprintln(e.err, "Use it as 'Authorization: Bearer <key>' on /v1/accounts, /v1/signals and /v1/pulses,")
		fmt.Fprintln(e.err, "or as the Segment write key (host pointed at this server) for /v1/batch.")
	case scope == store.ScopeRead:
		fmt.Fprintln(e.err, "Use it as 'Authorization: Bearer <key>' on /mcp (read-only tools for AI clients); it cannot write anything.")
	default:
		fmt.Fprintln(e.err, "Use it as the Segment write key (host pointed at this server) for /v1/batch and the other")
		fmt.Fprintln(e.err, "Segment endpoints only; it cannot write accounts, signals or pulses.")
	}
	return nil
}

func revokeAPIKey(ctx context.Context, e *env, s *store.Store, name string) error {
	if err := s.RevokeAPIKey(ctx, name, time.Now()); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("no live API key named %q (see healthbot apikey list)", name)
		}
		return err
	}
	fmt.Fprintf(e.out, "Revoked API key %q; requests using it now get 401.\n", name)
	return nil
}

// apiKeyJSON is one key as `apikey list --json` prints it; times are UTC
// RFC 3339, absent when the key was never used or is not revoked.
type apiKeyJSON struct {
	Name       string     `json:"name"`
	Scope      string     `json:"scope"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Live       bool       `json:"live"`
}

func listAPIKeys(ctx context.Context, e *env, s *store.Store, asJSON bool) error {
	keys, err := s.APIKeys(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]apiKeyJSON, 0, len(keys))
		for _, k := range keys {
			out = append(out, apiKeyJSON{Name: k.Name, Scope: string(k.Scope), CreatedAt: k.CreatedAt.UTC(),
				LastUsedAt: utcOrNil(k.LastUsedAt), RevokedAt: utcOrNil(k.RevokedAt), Live: !k.Revoked()})
		}
		return writeJSON(e.out, out)
	}
	if len(keys) == 0 {
		fmt.Fprintln(e.out, "No API keys yet: healthbot apikey create NAME")
		return nil
	}
	tw := tabwriter.NewWriter(e.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSCOPE\tCREATED\tLAST USED\tSTATE")
	for _, k := range keys {
		state := "live"
		if k.Revoked() {
			state = "revoked " + k.RevokedAt.UTC().Format(time.DateTime)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.Name, k.Scope, k.CreatedAt.UTC().Format(time.DateTime), orNever(k.LastUsedAt), state)
	}
	return tw.Flush()
}

func utcOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.DateTime)
}
