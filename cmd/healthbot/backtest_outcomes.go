package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/store"
)

// outcomeCounts is, per kind of outcome, how many were asked and answered
// and how often each reason was given.
type outcomeCounts = map[store.OutcomeKind]store.OutcomeCounts

// backtestOutcomes is what owners said about churns and renewals (asked by
// the bot's outcome job): counts per kind and reason, next to the
// backtest's verdict so the score's misses can be read against them.
func backtestOutcomes(ctx context.Context, st *store.Store) (outcomeCounts, error) {
	sum, err := st.OutcomeSummary(ctx)
	if err != nil {
		return nil, fmt.Errorf("backtest: %w", err)
	}
	return sum, nil
}

// printOutcomes is the report's section on reasons owners gave.
func printOutcomes(w io.Writer, outcomes outcomeCounts) {
	if len(outcomes) == 0 {
		fmt.Fprintln(w, "\nReasons from owners: none yet (the bot asks an account's owner why when it churns or renews).")
		return
	}
	fmt.Fprintln(w, "\nReasons from owners (asked by the bot when an account churned or renewed):")
	for _, kind := range []store.OutcomeKind{store.OutcomeChurn, store.OutcomeRenewal} {
		c, ok := outcomes[kind]
		if !ok {
			continue
		}
		fmt.Fprintf(w, "  %-8s %d of %d asked answered", kind, c.Answered, c.Asked)
		if r := reasonLine(c.Reasons); r != "" {
			fmt.Fprintf(w, ": %s", r)
		}
		fmt.Fprintln(w)
	}
}

// reasonLine is "Budget cut 4 · Champion left 3", most named first.
func reasonLine(reasons map[string]int64) string {
	type rc struct {
		code string
		n    int64
	}
	var rs []rc
	for code, n := range reasons {
		rs = append(rs, rc{code, n})
	}
	slices.SortFunc(rs, func(a, b rc) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.code, b.code)) })
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%s %d", blocks.ReasonLabel(r.code), r.n)
	}
	return strings.Join(parts, " · ")
}
