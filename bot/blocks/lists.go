package blocks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Row is one account in a list.
type Row struct {
	ID          int64
	Name        string
	Segment     string
	Owner       scoring.CSM
	Scored      bool // has a stored score
	Score       float64
	Band        scoring.Band
	Delta7      *float64
	Delta28     *float64
	MRR         float64
	RenewalDate time.Time
	PulseWeek   string // newest pulse's ISO week, "" if none
	Pulse       scoring.Rating
}

// RowStyle picks what a list line says besides the name and score.
type RowStyle int

const (
	StylePortfolio RowStyle = iota // trend, pulse this week, renewal
	StyleRisk                      // trend, owner, MRR, renewal
	StyleMovers                    // both deltas, owner
	StyleRenewals                  // renewal date, MRR, owner
)

// List is one page of a long account list.
type List struct {
	Title  string // header
	Intro  string // mrkdwn under the header: counts, totals
	Rows   []Row  // this page only
	Offset int    // index of Rows[0] in the whole list
	Total  int    // length of the whole list
	Cmd    string // /health text that produced the list; page buttons run it again
	Empty  string // said when Total is 0
	Style  RowStyle
	// OneSegment: every row is in the same segment (a segment's list), so
	// lines don't repeat it.
	OneSegment bool
	Week       string // current ISO week, for pulse status
	Now        time.Time
	// Table renders the rows (up to TableRows) as a data table that Slack
	// sorts, filters and pages; false: lines of text, PageSize a page.
	Table bool
}

// PageSize is how many rows a list page shows.
const PageSize = 20

// ListBlocks renders a page of a list with Previous/Next buttons.
func ListBlocks(l List) []slack.Block {
	out := []slack.Block{Header(l.Title)}
	if l.Intro != "" {
		out = append(out, Section(l.Intro))
	}
	if l.Total == 0 {
		return append(out, Section(l.Empty))
	}
	if l.Table {
		return append(append(out, ListTable(l)), pagerOf(l, TableRows)...)
	}
	lines := make([]string, len(l.Rows))
	for i, r := range l.Rows {
		if l.OneSegment {
			r.Segment = ""
		}
		lines[i] = RowLine(r, l.Style, l.Week, l.Now)
	}
	out = append(out, Sections(lines)...)
	out = append(out, pagerOf(l, PageSize)...)
	return out
}

// pagerOf is the Previous/Next pager of a list shown size rows a page.
func pagerOf(l List, size int) []slack.Block {
	end := l.Offset + len(l.Rows)
	if l.Offset == 0 && end >= l.Total {
		return nil
	}
	out := []slack.Block{Context(fmt.Sprintf("%d–%d of %d", l.Offset+1, end, l.Total))}
	// A button carries the command to run again; one too long for a
	// button's value (https://docs.slack.dev/reference/block-kit/block-elements/button-element)
	// gets no pager rather than a message Slack refuses.
	if Length(PageValue(l.Offset+size, l.Cmd)) > MaxButtonValue {
		return append(out, Context("The command is too long to page through; narrow it to see the rest."))
	}
	var btns []slack.BlockElement
	if l.Offset > 0 {
		btns = append(btns, Button(ActionPrev, PageValue(max(0, l.Offset-size), l.Cmd), "‹ Previous"))
	}
	if end < l.Total {
		btns = append(btns, Button(ActionNext, PageValue(end, l.Cmd), "Next ›"))
	}
	return append(out, slack.NewActionBlock("pager", btns...))
}

// RowLine is one account on one line.
func RowLine(r Row, style RowStyle, week string, now time.Time) string {
	s := scoreTag(r) + " *" + Esc(r.Name) + "*"
	var parts []string
	switch style {
	case StylePortfolio:
		parts = append(parts, trend(r), pulseStatus(r, week))
		if !r.RenewalDate.IsZero() && DaysBetween(now, r.RenewalDate) <= 90 {
			parts = append(parts, "renews "+Until(r.RenewalDate, now))
		}
	case StyleRisk:
		parts = append(parts, trend(r), "MRR "+Money(r.MRR), ownerText(r.Owner))
		if !r.RenewalDate.IsZero() && DaysBetween(now, r.RenewalDate) <= 180 {
			parts = append(parts, "renews "+Until(r.RenewalDate, now))
		}
	case StyleMovers:
		parts = append(parts, trend(r), ownerText(r.Owner))
	case StyleRenewals:
		parts = append(parts, "renews "+Date(r.RenewalDate)+" ("+Until(r.RenewalDate, now)+")", "MRR "+Money(r.MRR), ownerText(r.Owner))
	}
	if r.Segment != "" && style != StylePortfolio {
		parts = append(parts, Esc(r.Segment))
	}
	return s + " · " + strings.Join(parts, " · ")
}

func scoreTag(r Row) string {
	if !r.Scored {
		return "⚪ `--`"
	}
	if r.Band == scoring.BandNone {
		return "⚪ `n/a`"
	}
	return BandEmoji(r.Band) + " `" + fmt.Sprintf("%3s", Score(r.Score)) + "`"
}

func trend(r Row) string {
	if !r.Scored {
		return "not scored yet"
	}
	return "7d " + Delta(r.Delta7) + " · 28d " + Delta(r.Delta28)
}

func pulseStatus(r Row, week string) string {
	switch {
	case r.PulseWeek == week && week != "":
		return "pulse " + RatingEmoji(r.Pulse) + " " + RatingName(r.Pulse)
	case r.PulseWeek == "":
		return "⏳ no pulse yet"
	}
	return "⏳ pulse due (last " + RatingName(r.Pulse) + ", " + r.PulseWeek + ")"
}

// BandCounts counts rows per band; unscored rows count as BandNone.
func BandCounts(rows []Row) map[scoring.Band]int {
	m := map[scoring.Band]int{}
	for _, r := range rows {
		b := r.Band
		if !r.Scored || b == "" {
			b = scoring.BandNone
		}
		m[b]++
	}
	return m
}

// BandSummary is "🟢 12 · 🟡 5 · 🔴 3 · ⚪ 1", omitting empty bands.
func BandSummary(counts map[scoring.Band]int) string {
	var parts []string
	for _, b := range scoring.BandOrder() {
		if n := counts[b]; n > 0 {
			parts = append(parts, BandEmoji(b)+" "+strconv.Itoa(n))
		}
	}
	if len(parts) == 0 {
		return "no accounts"
	}
	return strings.Join(parts, " · ")
}

// Movers lists the biggest drops and rises over a window.
type Movers struct {
	Days  int // 7 or 28
	Drops []Row
	Rises []Row
	Now   time.Time
}

// MoversBlocks renders the movers report.
func MoversBlocks(m Movers) []slack.Block {
	out := []slack.Block{
		Header(fmt.Sprintf("Biggest movers, last %d days", m.Days)),
		Context(fmt.Sprintf("Ranked by the %d-day change. Try `/health movers 7d` or `/health movers 28d`.", m.Days)),
	}
	group := func(title string, rows []Row, none string) {
		if len(rows) == 0 {
			out = append(out, Section(title+"\n"+none))
			return
		}
		lines := []string{title}
		for _, r := range rows {
			lines = append(lines, RowLine(r, StyleMovers, "", m.Now))
		}
		out = append(out, Sections(lines)...)
	}
	group("*📉 Biggest drops*", m.Drops, "No account dropped.")
	group("*📈 Biggest rises*", m.Rises, "No account rose.")
	return out
}

// HelpEntry is one line of /health help.
type HelpEntry struct {
	Usage   string // "renewals [90d]"
	Summary string
}

// HelpBlocks renders /health help from the registered subcommands.
func HelpBlocks(command string, entries []HelpEntry, questions bool) []slack.Block {
	lines := []string{
		"`" + command + "` — your portfolio (accounts you own), worst first",
		"`" + command + " acme` — the account card; a name, domain or id, typos forgiven",
	}
	for _, e := range entries {
		lines = append(lines, "`"+command+" "+Esc(e.Usage)+"` — "+Esc(e.Summary))
	}
	q := "Anything else is read as an account name."
	if questions {
		q = "Anything else is answered as a question about your accounts, e.g. `" + command + " which enterprise accounts renew this quarter and are not green?`"
	}
	return []slack.Block{
		Header("healthbot help"),
		Section(strings.Join(lines, "\n")),
		Context(q),
		Context("Scores: 🟢 healthy · 🟡 watch · 🔴 at risk · ⚪ not scored or not enough data. Cards and lists are only visible to you until you press *Share in channel*."),
	}
}
