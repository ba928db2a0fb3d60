package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/store"
)

// demoReport prints, from the stored data, what the team would see after
// `healthbot demo`. Each section is a method in sections(), so later work
// (scores, cards, the backtest) adds a line there.
type demoReport struct {
	st   *store.Store
	w    io.Writer
	seed int64
	asOf time.Time
	// names maps CSMs' Slack ids to names, so cards say "Owner: @Maya
	// Chen" as Slack would; print fills it.
	names map[string]string
}

// reportWidth is the column budget; output stays readable in 80–100 columns.
const reportWidth = 92

func (r demoReport) sections() []func(context.Context) error {
	return []func(context.Context) error{r.segments, r.csms, r.signals, r.examples, r.scoring, r.alerts, r.week, r.digest}
}

func (r demoReport) print(ctx context.Context) error {
	names, err := csmNames(ctx, r.st)
	if err != nil {
		return err
	}
	r.names = names
	fmt.Fprintf(r.w, "\nhealthbot demo portfolio, history up to %s (seed %d)\n", r.asOf.Format(time.DateOnly), r.seed)
	for _, section := range r.sections() {
		if err := section(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (r demoReport) heading(title string) {
	fmt.Fprintf(r.w, "\n%s\n%s\n", title, strings.Repeat("─", len([]rune(title))))
}

func (r demoReport) segments(ctx context.Context) error {
	segs, err := r.st.PortfolioSegments(ctx)
	if err != nil {
		return err
	}
	r.heading("Accounts by segment")
	fmt.Fprintf(r.w, "  %-12s %9s %8s %14s %11s\n", "segment", "accounts", "churned", "live MRR", "live seats")
	var total store.PortfolioSegment
	for _, s := range segs {
		fmt.Fprintf(r.w, "  %-12s %9s %8s %14s %11s\n", s.Segment, thousands(s.Accounts), thousands(s.Churned), money(s.LiveMRR), thousands(s.LiveSeats))
		total.Accounts += s.Accounts
		total.Churned += s.Churned
		total.LiveMRR += s.LiveMRR
		total.LiveSeats += s.LiveSeats
	}
	fmt.Fprintf(r.w, "  %-12s %9s %8s %14s %11s\n", "all", thousands(total.Accounts), thousands(total.Churned), money(total.LiveMRR), thousands(total.LiveSeats))
	if total.Accounts > 0 {
		fmt.Fprintf(r.w, "  %s of accounts churned during the year.\n", percent(total.Churned, total.Accounts))
	}
	return nil
}

func (r demoReport) csms(ctx context.Context) error {
	csms, err := r.st.PortfolioCSMs(ctx)
	if err != nil {
		return err
	}
	r.heading("CSMs and weekly pulse completion")
	fmt.Fprintf(r.w, "  %-17s %-9s %-20s %5s %8s  %s\n", "name", "slack", "time zone", "live", "churned", "pulses answered")
	var due, answered int64
	for _, c := range csms {
		fmt.Fprintf(r.w, "  %-17s %-9s %-20s %5d %8d  %s (%s of %s)\n", clip(c.Name, 17), c.SlackUserID, clip(c.TZ, 20),
			c.LiveAccounts, c.ChurnedAccounts, percent(c.PulsesAnswered, c.PulsesDue), thousands(c.PulsesAnswered), thousands(c.PulsesDue))
		due += c.PulsesDue
		answered += c.PulsesAnswered
	}
	fmt.Fprintf(r.w, "  Pulse completion overall: %s (%s of %s account-weeks).\n", percent(answered, due), thousands(answered), thousands(due))
	return nil
}

func (r demoReport) signals(ctx context.Context) error {
	spans, err := r.st.MetricSpans(ctx)
	if err != nil {
		return err
	}
	r.heading("Signals per metric")
	fmt.Fprintf(r.w, "  %-24s %9s  %-10s   %-10s %11s\n", "metric", "rows", "first", "last", "mean")
	var total int64
	for _, s := range spans {
		fmt.Fprintf(r.w, "  %-24s %9s  %s → %s %11s\n", clip(s.Metric, 24), thousands(s.Count),
			s.First.UTC().Format(time.DateOnly), s.Last.UTC().Format(time.DateOnly), number(s.Mean))
		total += s.Count
	}
	fmt.Fprintf(r.w, "  %-24s %9s\n", "all", thousands(total))
	return nil
}

// examples shows three accounts a CSM lead would look at first: the biggest
// live account, the live account whose usage fell most, and the most recent
// churn.
func (r demoReport) examples(ctx context.Context) error {
	trends, err := r.st.AccountTrends(ctx, demo.MetricActiveUserRatio)
	if err != nil {
		return err
	}
	picks := pickExamples(trends)
	if len(picks) == 0 {
		return nil
	}
	r.heading("Example accounts")
	for _, p := range picks {
		r.account(p.why, p.t)
	}
	return nil
}

type example struct {
	why string
	t   store.AccountTrend
}

func pickExamples(trends []store.AccountTrend) []example {
	var out []example
	used := map[int64]bool{}
	add := func(why string, better func(a, b store.AccountTrend) bool, ok func(store.AccountTrend) bool) {
		var best *store.AccountTrend
		for i := range trends {
			t := &trends[i]
			if ok(*t) && !used[t.ID] && (best == nil || better(*t, *best)) {
				best = t
			}
		}
		if best != nil {
			used[best.ID] = true
			out = append(out, example{why, *best})
		}
	}
	live := func(t store.AccountTrend) bool { return t.ChurnedAt.IsZero() }
	add("largest account", func(a, b store.AccountTrend) bool { return a.MRR > b.MRR }, live)
	add("steepest usage drop", func(a, b store.AccountTrend) bool {
		return a.UsageRecent-a.UsageEarlier < b.UsageRecent-b.UsageEarlier
	}, func(t store.AccountTrend) bool { return live(t) && t.HasUsage })
	add("most recent churn", func(a, b store.AccountTrend) bool { return a.ChurnedAt.After(b.ChurnedAt) },
		func(t store.AccountTrend) bool { return !live(t) })
	return out
}

func (r demoReport) account(why string, t store.AccountTrend) {
	fmt.Fprintf(r.w, "  %s (%s) · %s · %s · owner %s\n", t.Name, t.ExternalID, t.Segment, why, orDash(t.OwnerName))
	line := fmt.Sprintf("%s MRR · %s seats · %s plan", money(t.MRR), thousands(int64(t.Seats)), orDash(t.Plan))
	if t.ChurnedAt.IsZero() {
		line += " · renews " + dateOrDash(t.RenewalDate)
	} else {
		line += " · churned " + t.ChurnedAt.Format(time.DateOnly)
	}
	fmt.Fprintf(r.w, "    %s\n", line)
	if t.HasUsage {
		fmt.Fprintf(r.w, "    active users %s of seats over its last 28 days, %s three months before\n",
			pct(t.UsageRecent), pct(t.UsageEarlier))
	}
	if t.HasPulse {
		p := fmt.Sprintf("last pulse %s: %s", t.LastPulse.Week, t.LastPulse.Rating)
		if len(t.LastPulse.Reasons) > 0 {
			p += " (" + strings.Join(t.LastPulse.Reasons, ", ") + ")"
		}
		if t.LastPulse.Note != "" {
			p += fmt.Sprintf(" — %q", t.LastPulse.Note)
		}
		fmt.Fprintf(r.w, "    %s\n", clip(p, reportWidth-4))
	}
}

// thousands formats n with comma separators: 1234567 → "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func money(v float64) string { return "$" + thousands(int64(math.Round(v))) }

// number shows a mean compactly: big values as whole numbers, small with two
// decimals.
func number(v float64) string {
	if math.Abs(v) >= 100 {
		return thousands(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func percent(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", 100*float64(part)/float64(whole))
}

func pct(ratio float64) string { return fmt.Sprintf("%.0f%%", 100*ratio) }

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.Format(time.DateOnly)
}
