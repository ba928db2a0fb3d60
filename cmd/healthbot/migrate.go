package main

import (
	"context"
	"fmt"

	"github.com/healthbot/healthbot/store"
)

func migrateCommand() command {
	return command{
		summary: "apply pending database migrations",
		usage:   "migrate [--status]",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("migrate", e)
			status := fs.Bool("status", false, "print the schema version and exit")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			if err := e.cfg.RequireDatabase(); err != nil {
				return err
			}
			pool, err := store.Open(ctx, e.cfg.DatabaseURL)
			if err != nil {
				return err
			}
			defer pool.Close()
			if *status {
				st, err := store.Status(ctx, pool)
				if err != nil {
					return err
				}
				fmt.Fprintf(e.out, "schema version %d of %d\n", st.Current, st.Latest)
				return nil
			}
			applied, err := store.Migrate(ctx, pool, store.WithProgress(func(line string) { fmt.Fprintln(e.err, line) }))
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(e.out, "schema is up to date")
				return nil
			}
			fmt.Fprintf(e.out, "applied migrations %v\n", applied)
			return nil
		},
	}
}
