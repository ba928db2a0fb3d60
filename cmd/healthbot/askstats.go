package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/store"
)

func askCommand() command {
	return command{
		summary: "report on questions: answers and thumbs up/down by model, surface and tool",
		usage:   "ask stats [--days 30]",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("ask stats", e)
			days := fs.Int("days", 30, "look back this many days")
			if len(args) > 0 && isHelpArg(args[0]) {
				return parseFlags(fs, args[:1])
			}
			if len(args) == 0 || args[0] != "stats" {
				return usagef("want the subcommand stats")
			}
			if err := parseFlags(fs, args[1:]); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			if *days < 1 || *days > 3650 {
				return usagef("--days %d: want 1 to 3650", *days)
			}
			pool, err := openDB(ctx, e, false)
			if err != nil {
				return err
			}
			defer pool.Close()
			since := time.Now().AddDate(0, 0, -*days)
			byModel, byTool, err := store.New(pool).AskStats(ctx, since)
			if err != nil {
				return err
			}
			return printAskStats(e.out, since, byModel, byTool)
		},
	}
}

// printAskStats writes two tables: by model and surface, and by tool.
func printAskStats(w io.Writer, since time.Time, byModel, byTool []store.AskStatRow) error {
	fmt.Fprintf(w, "Questions answered since %s\n\n", since.Format(time.DateOnly))
	if len(byModel) == 0 {
		_, err := fmt.Fprintln(w, "No answers recorded yet.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tSURFACE\tANSWERS\tUP\tDOWN\tHELPFUL")
	for _, r := range byModel {
		model := r.Model
		if model == "" {
			model = "(built-in parser)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\n", model, r.Surface, r.Answers, r.Up, r.Down, helpfulShare(r))
	}
	fmt.Fprintln(tw, "\t\t\t\t\t")
	fmt.Fprintln(tw, "TOOL\t\tANSWERS\tUP\tDOWN\tHELPFUL")
	for _, r := range byTool {
		fmt.Fprintf(tw, "%s\t\t%d\t%d\t%d\t%s\n", r.Tool, r.Answers, r.Up, r.Down, helpfulShare(r))
	}
	return tw.Flush()
}

// helpfulShare is up votes among votes, or "-" without votes.
func helpfulShare(r store.AskStatRow) string {
	if r.Up+r.Down == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(r.Up)/float64(r.Up+r.Down))
}
