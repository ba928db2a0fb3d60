package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func alertsCommand() command {
	return command{
		summary: "report on alerts per rule: fired, acknowledged, time to acknowledge, snoozed, not useful; DMs per person per week",
		usage:   "alerts stats [--days 30]",
		run: func(ctx context.Context, e *env, args []string) error {
			if len(args) == 0 || args[0] != "stats" {
				return usagef("want the subcommand stats")
			}
			fs := flags("alerts stats", e)
			days := fs.Int("days", 30, "look back this many days")
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
			st := store.New(pool)
			now := time.Now()
			since := now.AddDate(0, 0, -*days)
			stats, err := st.AlertStats(ctx, since, now)
			if err != nil {
				return err
			}
			dms, err := st.AlertDeliveryCounts(ctx, since)
			if err != nil {
				return err
			}
			cards, _, err := loadScorecards(ctx, st, "", e.cfg.ScorecardsFile)
			if err != nil {
				return err
			}
			return printAlertStats(e.out, since, stats, dms, cards.For(scoring.Account{}).Alerts, e.cfg.AlertBudget)
		},
	}
}

// printAlertStats writes the per-rule table, the rules to tune (marked
// not useful more than half the time) and the alert DMs per person and
// week against the budget (0: none).
func printAlertStats(w io.Writer, since time.Time, stats []store.AlertRuleStats, dms []store.DMsPerUserWeek, rules scoring.AlertRules, budget int) error {
	fmt.Fprintf(w, "Alerts fired since %s\n\n", since.Format(time.DateOnly))
	if len(stats) == 0 {
		fmt.Fprintln(w, "No alerts fired.")
	} else {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "RULE\tFIRED\tACKNOWLEDGED\tMEDIAN TIME TO ACK\tSNOOZED\tNOT USEFUL")
		for _, s := range stats {
			ack := "-"
			if s.Acknowledged > 0 {
				ack = s.AckMedian.Round(time.Minute).String()
			}
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\n", s.Kind, s.Fired, s.Acknowledged, ack, s.Snoozed, s.NotUseful)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, s := range stats {
			if (scoring.AlertRuleFeedback{Kind: s.Kind, Fired: s.Fired, NotUseful: s.NotUseful}).Noisy() {
				fmt.Fprintf(w, "\n%s is marked not useful %d of %d times: tune %s", blocks.AlertTitle(s.Kind), s.NotUseful, s.Fired, scoring.AlertThreshold(s.Kind, rules))
				if len(s.Reasons) > 0 {
					fmt.Fprintf(w, " (reasons: %q)", s.Reasons)
				}
				fmt.Fprintln(w)
			}
		}
	}
	fmt.Fprintln(w)
	return printDMBudget(w, dms, budget)
}

// printDMBudget is the distribution of alert DMs per person and week.
func printDMBudget(w io.Writer, dms []store.DMsPerUserWeek, budget int) error {
	if len(dms) == 0 {
		_, err := fmt.Fprintln(w, "No alert DMs sent yet.")
		return err
	}
	limit := "no budget"
	if budget > 0 {
		limit = fmt.Sprintf("budget %d a week", budget)
	}
	counts := make([]int, len(dms))
	over := 0
	for i, d := range dms {
		counts[i] = d.DMs
		if budget > 0 && d.DMs > budget {
			over++
		}
	}
	slices.Sort(counts)
	fmt.Fprintf(w, "Alert DMs per person and week (%s): %d person-weeks, min %d, median %d, max %d, over budget %d\n",
		limit, len(dms), counts[0], counts[len(counts)/2], counts[len(counts)-1], over)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WEEK\tPERSON\tDMS\tIN SUMMARIES")
	for _, d := range dms {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", d.Week, d.UserID, d.DMs, d.Summary)
	}
	return tw.Flush()
}
