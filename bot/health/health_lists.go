package health

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Defaults of the list subcommands; what counts as at risk, a renewal at
// risk or a move is scoring's (rules.go).
const (
	DefaultRenewalDays = scoring.DefaultRenewalDays
	MaxRenewalDays     = 730
	MoversShown        = 10
)

func (h *Health) builtins() []Subcommand {
	return []Subcommand{
		{Name: "at-risk", Aliases: []string{"atrisk", "risk", "red"}, Usage: "at-risk [SEGMENT]",
			Summary: "red accounts, and yellow ones down 10+ points in 28 days, worst first", Run: h.atRisk},
		{Name: "movers", Aliases: []string{"trend", "trends"}, Usage: "movers [7d|28d]",
			Summary: "biggest drops and rises over 28 (or 7) days", Run: h.movers},
		{Name: "renewals", Aliases: []string{"renewal", "renewing"}, Usage: "renewals [90d]",
			Summary: "accounts renewing in the next N days (default 90), red or yellow first, with MRR", Run: h.renewals},
		{Name: "segment", Aliases: []string{"seg"}, Usage: "segment NAME",
			Summary: "a segment's health: bands, average, MRR, worst accounts", Run: h.segment},
		{Name: "help", Aliases: []string{"?", "-h", "--help"}, Usage: "help",
			Summary: "this help", Run: h.help},
	}
}

func (h *Health) help(_ context.Context, _ HealthCall) (chat.Message, error) {
	var entries []blocks.HelpEntry
	for _, s := range h.subs {
		if !s.Hidden {
			entries = append(entries, blocks.HelpEntry{Usage: s.Usage, Summary: s.Summary})
		}
	}
	return chat.Message{Text: "healthbot help", Blocks: blocks.HelpBlocks(HelpCommand, entries, h.Questioner != nil)}, nil
}

// portfolio is "/health": the caller's own accounts, worst first.
func (h *Health) portfolio(ctx context.Context, c HealthCall) (chat.Message, error) {
	csm, err := h.CallerCSM(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		text := "You don't own any accounts in healthbot (no CSM is linked to your Slack user or email). " +
			"Try `" + HelpCommand + " at-risk`, `" + HelpCommand + " renewals` or `" + HelpCommand + " acme`."
		return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load your portfolio just now. Please try again.")
	}
	lines, err := h.store.AccountLines(ctx, store.LineFilter{OwnerID: csm.ID})
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load your portfolio just now. Please try again.")
	}
	rows := blocks.WorstFirst(rowsOf(lines))
	week := h.week(csm)
	answered, mrr := 0, 0.0
	for _, r := range rows {
		mrr += r.MRR
		if r.PulseWeek == week {
			answered++
		}
	}
	name := csm.Name
	if name == "" {
		name = "You"
	}
	intro := fmt.Sprintf("%s · %d accounts · MRR %s · pulse %s: %d of %d answered",
		blocks.BandSummary(blocks.BandCounts(rows)), len(rows), blocks.Money(mrr), week, answered, len(rows))
	return h.listMessage(ctx, blocks.List{
		Title: "Portfolio of " + name, Intro: intro, Style: blocks.StylePortfolio, Week: week,
		Empty: "You own no live accounts.",
	}, len(rows), slicePage(rows), c)
}

// atRisk lists red accounts and yellow ones falling fast.
func (h *Health) atRisk(ctx context.Context, c HealthCall) (chat.Message, error) {
	seg, err := h.segmentArg(ctx, c.Args, false)
	if err != nil {
		return chat.Message{}, err
	}
	// The store keeps the accounts scoring.AtRisk names (its SQL takes the
	// threshold from scoring), counts them and reads only the page shown.
	f := store.LineFilter{Segment: seg, AtRisk: true, Order: store.WorstFirst}
	totals, err := h.store.LineTotals(ctx, f)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the accounts just now. Please try again.")
	}
	title := "Accounts at risk"
	if seg != "" {
		title += " in " + seg
	}
	intro := fmt.Sprintf("%d accounts · MRR %s · red, or yellow and down %s+ points in 28 days",
		totals.Accounts(), blocks.Money(totals.MRR()), blocks.Score(scoring.AtRiskDrop))
	m, err := h.listMessage(ctx, blocks.List{
		Title: title, Intro: intro, Style: blocks.StyleRisk, OneSegment: seg != "", Empty: "No account is at risk. 🎉",
	}, totals.Accounts(), h.linesPage(f), c)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the accounts just now. Please try again.")
	}
	return m, nil
}

// movers lists the biggest drops and rises.
func (h *Health) movers(ctx context.Context, c HealthCall) (chat.Message, error) {
	days := scoring.LongDeltaDays
	switch strings.ToLower(c.Args) {
	case "", "28", "28d", "4w", "month":
	case "7", "7d", "1w", "week":
		days = scoring.ShortDeltaDays
	default:
		return chat.Message{}, Usage("`%s movers` takes `7d` or `28d`, not “%s”.", HelpCommand, c.Args)
	}
	lines, err := h.store.AccountLines(ctx, store.LineFilter{MovedDays: days, MoversEach: MoversShown})
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the accounts just now. Please try again.")
	}
	delta := func(r blocks.Row) (float64, bool) {
		d := r.Delta28
		if days == scoring.ShortDeltaDays {
			d = r.Delta7
		}
		if d == nil {
			return 0, false
		}
		return *d, true
	}
	drops, rises := scoring.Movers(rowsOf(lines), delta, MoversShown)
	mv := blocks.Movers{Days: days, Drops: drops, Rises: rises, Now: h.now()}
	for _, r := range append(slices.Clone(mv.Drops), mv.Rises...) {
		access.NoteAccounts(ctx, r.ID)
	}
	m := chat.Message{Text: fmt.Sprintf("Biggest movers, last %d days", days), Blocks: blocks.MoversBlocks(mv)}
	if !h.TextTables {
		m.Blocks, m.Fallback = blocks.MoversCarousel(mv), m.Blocks
	}
	return m, nil
}

// renewals lists accounts renewing in the next N days, not green first.
func (h *Health) renewals(ctx context.Context, c HealthCall) (chat.Message, error) {
	days, err := parseRenewalDays(c.Args)
	if err != nil {
		return chat.Message{}, err
	}
	today := h.today()
	// Every account listed renews within the window, so the ones
	// scoring.RenewalAtRisk names are the red and yellow ones: the SQL orders
	// them first (store.RenewalsFirst) and the totals count them by band.
	f := store.LineFilter{RenewsFrom: today, RenewsTo: today.AddDate(0, 0, days), Order: store.RenewalsFirst}
	totals, err := h.store.LineTotals(ctx, f)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the renewals just now. Please try again.")
	}
	nRisk, risk := 0, 0.0
	for band, t := range totals {
		if scoring.RenewalAtRisk(band, today, today, days) { // each renews within days: today stands for its date
			nRisk += t.Accounts
			risk += t.MRR
		}
	}
	intro := fmt.Sprintf("%d renewals · MRR %s · at risk (red or yellow): %d with MRR %s",
		totals.Accounts(), blocks.Money(totals.MRR()), nRisk, blocks.Money(risk))
	m, err := h.listMessage(ctx, blocks.List{
		Title: fmt.Sprintf("Renewals in the next %d days", days), Intro: intro, Style: blocks.StyleRenewals,
		Empty: fmt.Sprintf("No live account renews in the next %d days.", days),
	}, totals.Accounts(), h.linesPage(f), c)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the renewals just now. Please try again.")
	}
	return m, nil
}

func parseRenewalDays(arg string) (int, error) {
	a := strings.ToLower(strings.TrimSpace(arg))
	if a == "" {
		return DefaultRenewalDays, nil
	}
	mult := 1
	switch {
	case strings.HasSuffix(a, "d"):
		a = strings.TrimSuffix(a, "d")
	case strings.HasSuffix(a, "w"):
		a, mult = strings.TrimSuffix(a, "w"), 7
	case strings.HasSuffix(a, "m"):
		a, mult = strings.TrimSuffix(a, "m"), 30
	}
	n, err := strconv.Atoi(strings.TrimSpace(a))
	if err != nil || n <= 0 || n*mult > MaxRenewalDays {
		return 0, Usage("`%s renewals` takes a number of days up to %d, like `90d`, not “%s”.", HelpCommand, MaxRenewalDays, arg)
	}
	return n * mult, nil
}

// segment summarises one segment and lists its accounts worst first.
func (h *Health) segment(ctx context.Context, c HealthCall) (chat.Message, error) {
	seg, err := h.segmentArg(ctx, c.Args, true)
	if err != nil {
		return chat.Message{}, err
	}
	f := store.LineFilter{Segment: seg, Order: store.WorstFirst}
	totals, err := h.store.LineTotals(ctx, f)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load that segment just now. Please try again.")
	}
	sum, n, counts := 0.0, 0, map[scoring.Band]int{}
	for band, t := range totals {
		counts[band] = t.Accounts
		if scoring.Scored(band) {
			sum += t.ScoreSum
			n += t.Accounts
		}
	}
	avg := "not scored yet"
	if n > 0 {
		avg = blocks.Score(sum / float64(n))
	}
	intro := fmt.Sprintf("%s · %d live accounts · average score %s · MRR %s · MRR in red %s",
		blocks.BandSummary(counts), totals.Accounts(), avg, blocks.Money(totals.MRR()), blocks.Money(totals[scoring.BandRed].MRR))
	m, err := h.listMessage(ctx, blocks.List{
		Title: "Segment " + seg, Intro: intro, Style: blocks.StyleRisk, OneSegment: true, Empty: "No live accounts in this segment.",
	}, totals.Accounts(), h.linesPage(f), c)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load that segment just now. Please try again.")
	}
	return m, nil
}

// segmentArg resolves a segment name case-insensitively to its stored
// spelling. An unknown or missing name is a usage error listing the segments.
func (h *Health) segmentArg(ctx context.Context, arg string, required bool) (string, error) {
	arg = strings.TrimSpace(arg)
	if arg == "" && !required {
		return "", nil
	}
	segs, err := h.store.LiveSegments(ctx)
	if err != nil {
		return "", healthbot.Wrap(err, "I could not load the segments just now. Please try again.")
	}
	names := make([]string, len(segs))
	for i, s := range segs {
		if foldName(s.Segment) == foldName(arg) {
			return s.Segment, nil
		}
		names[i] = fmt.Sprintf("`%s` (%d)", blocks.Esc(s.Segment), s.Accounts)
	}
	text := "Which segment? "
	if arg != "" {
		text = "No live accounts in segment “" + blocks.Esc(arg) + "”. "
	}
	if len(names) == 0 {
		text += "No account has a segment yet."
	} else {
		text += "Segments: " + strings.Join(names, ", ") + "."
	}
	return "", Usage("%s", text)
}

// listPage reads up to n rows of a list from its row off on.
type listPage func(ctx context.Context, off, n int) ([]blocks.Row, error)

// slicePage pages a list already read whole.
func slicePage(rows []blocks.Row) listPage {
	return func(_ context.Context, off, n int) ([]blocks.Row, error) {
		return rows[min(off, len(rows)):min(len(rows), off+n)], nil
	}
}

// linesPage pages the store's lines of f, reading only the rows asked for.
func (h *Health) linesPage(f store.LineFilter) listPage {
	return func(ctx context.Context, off, n int) ([]blocks.Row, error) {
		f.Offset, f.Limit = off, n
		lines, err := h.store.AccountLines(ctx, f)
		return rowsOf(lines), err
	}
}

// listMessage renders one page of a list of total rows, reading only the
// rows it shows (a text page, or the larger table) through page.
func (h *Health) listMessage(ctx context.Context, l blocks.List, total int, page listPage, c HealthCall) (chat.Message, error) {
	l.Total, l.Cmd, l.Now = total, c.Text, h.now()
	off := c.Offset
	if off >= total {
		off = max(0, (total-1)/blocks.PageSize*blocks.PageSize)
	}
	l.Offset = off
	table := !h.TextTables && total > 0
	n := blocks.PageSize
	if table {
		n = max(n, blocks.TableRows)
	}
	rows, err := page(ctx, off, n)
	if err != nil {
		return chat.Message{}, err
	}
	l.Rows = rows[:min(len(rows), blocks.PageSize)]
	m := chat.Message{Text: l.Title, Blocks: blocks.ListBlocks(l)}
	shown := l.Rows
	if table {
		t := l
		t.Table, t.Rows = true, rows[:min(len(rows), blocks.TableRows)]
		m.Blocks, m.Fallback = blocks.ListBlocks(t), m.Blocks
		if len(t.Rows) > len(shown) {
			shown = t.Rows
		}
	}
	for _, r := range shown { // the access audit: which accounts the list showed
		access.NoteAccounts(ctx, r.ID)
	}
	return m, nil
}

// rowsOf turns stored lines into list rows with their 7- and 28-day deltas.
func rowsOf(lines []store.AccountLine) []blocks.Row {
	rows := make([]blocks.Row, len(lines))
	for i, l := range lines {
		a := l.Account
		rows[i] = blocks.Row{
			ID: a.ID, Name: a.Name, Segment: a.Segment, Owner: a.Owner, Scored: l.HasScoreRow(), Score: l.Score, Band: l.Band,
			MRR: a.MRR, RenewalDate: a.RenewalDate, PulseWeek: l.PulseWeek, Pulse: l.Pulse,
		}
		rows[i].Delta7, rows[i].Delta28 = l.Trend()
	}
	return rows
}
