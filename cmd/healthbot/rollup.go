package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/healthbot/healthbot/store"
)

func rollupCommand() command {
	return command{
		summary: "roll product events up into usage signals (active users, admin seen, key features, session gaps, daily event counts)",
		usage:   "rollup [--as-of YYYY-MM-DD] [--days N] [--window N] [--key-features \"Event A,Event B\"]",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("rollup", e)
			asOf := fs.String("as-of", "", "last as-of day (UTC date); default today")
			days := fs.Int("days", 1, "as-of days to compute, ending at --as-of (backfill)")
			window := fs.Int("window", 28, "days of events each as-of day summarises")
			features := fs.String("key-features", strings.Join(e.cfg.KeyFeatures, ","),
				"comma-separated track event names for key_feature_adoption (default HEALTHBOT_KEY_FEATURES)")
			if err := parseOnlyFlags(fs, args); err != nil {
				return err
			}
			opts := store.RollupOptions{AsOf: time.Now().UTC(), Days: *days, WindowDays: *window, KeyFeatures: splitList(*features)}
			if *asOf != "" {
				t, err := time.Parse(time.DateOnly, *asOf)
				if err != nil {
					return usagef("--as-of %q is not a date like 2026-03-02", *asOf)
				}
				opts.AsOf = t
			}
			if *days < 1 || *days > 3660 || *window < 1 || *window > 366 {
				return usagef("--days must be 1..3660 and --window 1..366")
			}
			pool, err := openDB(ctx, e, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			res, err := store.New(pool).RollupUsage(ctx, opts)
			if err != nil {
				return err
			}
			printRollup(e, res, opts)
			return nil
		},
	}
}

func printRollup(e *env, res store.RollupResult, opts store.RollupOptions) {
	fmt.Fprintf(e.out, "Rolled up usage as of %s", res.To.Format(time.DateOnly))
	if !res.From.Equal(res.To) {
		fmt.Fprintf(e.out, " (from %s)", res.From.Format(time.DateOnly))
	}
	fmt.Fprintf(e.out, ": %d late group links, %d events attributed to accounts.\n", res.Linked, res.Attributed)
	metrics := make([]string, 0, len(res.Written))
	for m := range res.Written {
		metrics = append(metrics, m)
	}
	sort.Strings(metrics)
	for _, m := range metrics {
		fmt.Fprintf(e.out, "  %-24s %d signals written\n", m, res.Written[m])
	}
	if len(metrics) == 0 {
		fmt.Fprintln(e.out, "  nothing changed")
	}
	if len(opts.KeyFeatures) == 0 {
		fmt.Fprintln(e.out, "No key features named (--key-features or HEALTHBOT_KEY_FEATURES): key_feature_adoption skipped.")
	}
}

// splitList reads a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
