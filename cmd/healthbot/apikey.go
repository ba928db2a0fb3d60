package main

import (
	"context"
	"errors"
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
		usage:   "apikey create [--scope events|read|write|admin] NAME | list | revoke NAME",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("apikey", e)
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() == 0 {
				return usagef("missing subcommand: create, list or revoke")
			}
			sub, rest := fs.Arg(0), fs.Args()[1:]
			scope := store.ScopeWrite
			if sub == "create" {
				var err error
				if scope, rest, err = scopeFlag(rest); err != nil {
					return err
				}
			}
			want := map[string]int{"create": 1, "list": 0, "revoke": 1}
			n, ok := want[sub]
			if !ok {
				return usagef("unknown subcommand %q: want create, list or revoke", sub)
			}
			if len(rest) != n {
				return usagef("%s takes %d argument(s), got %d", sub, n, len(rest))
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
			return listAPIKeys(ctx, e, s)
		},
	}
}

// scopeFlag takes --scope S (or --scope=S) from create's arguments, before
// or after the name; the default is write.
func scopeFlag(args []string) (store.Scope, []string, error) {
	scope, rest := string(store.ScopeWrite), []string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--scope" || a == "-scope":
			if i+1 == len(args) {
				return "", nil, usagef("--scope needs a value: events, read, write or admin")
			}
			scope = args[i+1]
			i++
		case strings.HasPrefix(a, "--scope=") || strings.HasPrefix(a, "-scope="):
			_, scope, _ = strings.Cut(a, "=")
		default:
			rest = append(rest, a)
		}
	}
	s, err := store.ParseScope(scope)
	if err != nil {
		return "", nil, usagef("--scope: %v", err)
	}
	return s, rest, nil
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

func listAPIKeys(ctx context.Context, e *env, s *store.Store) error {
	keys, err := s.APIKeys(ctx)
	if err != nil {
		return err
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

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.DateTime)
}
