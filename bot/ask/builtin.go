package ask

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// EnableModelText tells users how to get answers to everything else.
const EnableModelText = "To ask anything else, whoever runs healthbot sets `OPENAI_MODEL` " +
	"(with `OPENAI_API_KEY` for OpenAI or Azure OpenAI, or `OPENAI_BASE_URL` for a server such as Ollama, vLLM or llama.cpp)."

// builtinExamples is what the parser understands, for help texts.
const builtinExamples = "• *at risk* — “which accounts are at risk?”, “red accounts in Enterprise”\n" +
	"• *renewals* — “who renews in the next 30 days?”, “renewals at risk this quarter”\n" +
	"• *movers* — “biggest drops this week”, “which accounts improved this month?”\n" +
	"• *a segment* — “how is Enterprise doing?”\n" +
	"• *the portfolio* — “portfolio overview”\n" +
	"• *one account* — “how is Acme doing?”\n" +
	"• *an owner* — “Dana's accounts”, “my accounts”"

// builtinNote marks answers from the parser while no model is configured.
const builtinNote = "Built-in answer — no language model is configured; set `OPENAI_MODEL` to ask anything in your own words."

const (
	listRows     = 10
	renewalRows  = 15
	offTopicText = "I only answer questions about your accounts — their health scores, renewals, trends, owners, pulses and alerts. " +
		"Try “which accounts are at risk?” or “how is Acme doing?”."
)

// parse classifies q with the live vocabulary.
func (a *Asker) parse(ctx context.Context, q Question) Intent {
	v, err := a.vocab(ctx)
	if err != nil {
		a.log.Warn("question vocabulary unavailable", "err", err)
	}
	return Parse(q.Text, v)
}

func (a *Asker) vocab(ctx context.Context) (Vocab, error) {
	var v Vocab
	err := a.store.ReadOnly(ctx, func(ro *store.Store) error {
		names, segments, err := ro.AskVocabulary(ctx, a.today())
		if err != nil {
			return err
		}
		v.Segments = segments
		for _, n := range names {
			v.Accounts = append(v.Accounts, NamedAccount{ID: n.ID, Name: n.Name, Domain: n.Domain})
		}
		v.Owners, err = ro.AskOwners(ctx)
		return err
	})
	return v, err
}

// answerBuiltin answers with the parser; lead, when set, is said first
// (why the model did not answer). The answer comes whole (Message) and
// split for streaming (Markdown, then the citations and card buttons).
func (a *Asker) answerBuiltin(ctx context.Context, q Question, lead string) (Result, error) {
	v, err := a.vocab(ctx)
	if err != nil {
		return Result{}, healthbot.Wrap(err, "I could not read the accounts just now. Please try again in a moment.")
	}
	it := Parse(q.Text, v)
	var ans builtinAnswer
	err = a.store.ReadOnly(ctx, func(ro *store.Store) error {
		var err error
		ans, err = a.runIntent(ctx, ro, it, q)
		return err
	})
	if err != nil {
		a.log.Error("built-in answer failed", "kind", it.Kind, "err", err)
		return Result{}, healthbot.Wrap(err, "I could not read the accounts just now. Please try again in a moment.")
	}
	a.log.Debug("built-in answer", "kind", it.Kind, "user", q.UserID, "cited", len(ans.cites))
	note := ""
	if !a.ModelEnabled() && it.answerable() {
		note = builtinNote
	}
	return builtinMessage(ans, lead, note), nil
}

// builtinAnswer is mrkdwn text and the accounts it names.
type builtinAnswer struct {
	text  string
	cites []citation
}

func (a *Asker) runIntent(ctx context.Context, ro *store.Store, it Intent, q Question) (builtinAnswer, error) {
	switch it.Kind {
	case KindAtRisk:
		return a.atRisk(ctx, ro, it, q)
	case KindRenewals:
		return a.renewals(ctx, ro, it, q)
	case KindMovers:
		return a.movers(ctx, ro, it, q)
	case KindSegment:
		return a.segmentHealth(ctx, ro, it.Segment)
	case KindPortfolio:
		return a.portfolioHealth(ctx, ro)
	case KindOwner:
		return a.ownerAccounts(ctx, ro, it, q)
	case KindAccount:
		return a.oneAccount(ctx, ro, it)
	case KindOffTopic:
		return builtinAnswer{text: offTopicText}, nil
	case KindHelp:
		lead := "I answer questions about your accounts. I understand:\n"
		if a.ModelEnabled() {
			lead = "I answer questions about your accounts, in your own words. For example:\n"
		}
		text := lead + builtinExamples
		if !a.ModelEnabled() {
			text += "\n" + EnableModelText
		}
		return builtinAnswer{text: text}, nil
	}
	return builtinAnswer{text: "I can't answer that one without a language model. Without one I understand:\n" + builtinExamples + "\n" + EnableModelText}, nil
}

// scope is the owner/segment filter a question carries, in words too.
func scope(it Intent, q Question) (f store.AskFilter, words string) {
	f.Segment = it.Segment
	var parts []string
	if it.Segment != "" {
		parts = append(parts, "in "+esc(it.Segment))
	}
	switch {
	case it.Owner != "":
		f.Owner = it.Owner
		parts = append(parts, "owned by "+esc(it.Owner))
	case it.Mine && q.UserID != "":
		f.Owner = q.UserID
		parts = append(parts, "of yours")
	}
	if len(parts) > 0 {
		words = " " + strings.Join(parts, " ")
	}
	return f, words
}

func (a *Asker) atRisk(ctx context.Context, ro *store.Store, it Intent, q Question) (builtinAnswer, error) {
	f, where := scope(it, q)
	f.AsOf, f.Band, f.Sort, f.Limit = a.today(), scoring.BandRed, "score_asc", listRows
	red, total, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return builtinAnswer{}, err
	}
	f.Band, f.AtRisk, f.TrendDays, f.Sort = scoring.BandYellow, true, scoring.LongDeltaDays, "change_asc"
	slipping, slipTotal, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return builtinAnswer{}, err
	}
	var b strings.Builder
	if total == 0 {
		fmt.Fprintf(&b, "No account%s is red right now.", where)
	} else {
		fmt.Fprintf(&b, "*%s%s %s red*, worst first:", count(total, "account"), where, isAre(total))
		a.lines(&b, red, total, lineOpts{})
	}
	if slipTotal > 0 {
		fmt.Fprintf(&b, "\n\n*%s yellow and down %.0f+ points* over %d days:", count(slipTotal, "more"), scoring.AtRiskDrop, scoring.LongDeltaDays)
		a.lines(&b, slipping[:min(len(slipping), 5)], slipTotal, lineOpts{})
	}
	return builtinAnswer{text: b.String(), cites: cites(append(red, slipping[:min(len(slipping), 5)]...))}, nil
}

func (a *Asker) renewals(ctx context.Context, ro *store.Store, it Intent, q Question) (builtinAnswer, error) {
	f, where := scope(it, q)
	days := it.Days
	f.AsOf, f.RenewalWithinDays, f.Sort, f.Limit = a.today(), &days, "renewal_asc", store.AskMaxRows
	rows, total, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return builtinAnswer{}, err
	}
	what := "renew"
	if it.RiskOnly {
		kept := rows[:0]
		for _, r := range rows {
			if scoring.RenewalAtRisk(r.Band, r.RenewalDate, f.AsOf, days) {
				kept = append(kept, r)
			}
		}
		rows, total, what = kept, len(kept), "renew while red or yellow"
	}
	var b strings.Builder
	if total == 0 {
		fmt.Fprintf(&b, "No account%s is due to %s in the next %s.", where, what, span(days))
		return builtinAnswer{text: b.String()}, nil
	}
	var mrr float64
	risky := 0
	for _, r := range rows {
		mrr += r.MRR
		if r.Band == scoring.BandRed {
			risky++
		}
	}
	fmt.Fprintf(&b, "*%s%s %s in the next %s*", count(total, "account"), where, verb(total, what), span(days))
	if total <= len(rows) {
		fmt.Fprintf(&b, " (%s MRR", money(mrr))
		if risky > 0 && !it.RiskOnly {
			fmt.Fprintf(&b, "; %d red", risky)
		}
		b.WriteString(")")
	}
	b.WriteString(", soonest first:")
	shown := rows[:min(len(rows), renewalRows)]
	a.lines(&b, shown, total, lineOpts{renewal: true})
	return builtinAnswer{text: b.String(), cites: cites(shown)}, nil
}

func (a *Asker) movers(ctx context.Context, ro *store.Store, it Intent, q Question) (builtinAnswer, error) {
	f, where := scope(it, q)
	f.AsOf, f.TrendDays, f.Limit = a.today(), it.Days, listRows
	what := "dropped most"
	f.Trend, f.Sort = "dropping", "change_asc"
	if it.Rising {
		f.Trend, f.Sort, what = "rising", "change_desc", "gained most"
	}
	rows, total, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return builtinAnswer{}, err
	}
	var b strings.Builder
	if total == 0 {
		dir := "dropped"
		if it.Rising {
			dir = "gained"
		}
		fmt.Fprintf(&b, "No account%s has %s over the last %d days.", where, dir, it.Days)
		return builtinAnswer{text: b.String()}, nil
	}
	fmt.Fprintf(&b, "*Accounts%s that %s over the last %d days* (%d moved that way):", where, what, it.Days, total)
	a.lines(&b, rows, total, lineOpts{changeDays: it.Days})
	return builtinAnswer{text: b.String(), cites: cites(rows)}, nil
}

func (a *Asker) segmentHealth(ctx context.Context, ro *store.Store, segment string) (builtinAnswer, error) {
	gs, err := ro.AskPortfolio(ctx, "none", segment, a.today())
	if err != nil {
		return builtinAnswer{}, err
	}
	if len(gs) == 0 || gs[0].Accounts == 0 {
		return builtinAnswer{text: fmt.Sprintf("There are no live accounts in %s.", esc(segment))}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s*: %s", esc(segment), groupLine(gs[0]))
	worst, _, err := ro.AskSearchAccounts(ctx, store.AskFilter{AsOf: a.today(), Segment: segment, Sort: "score_asc", Limit: 3, MaxScore: ptr(69.999)})
	if err != nil {
		return builtinAnswer{}, err
	}
	if len(worst) > 0 {
		b.WriteString("\nLowest scores:")
		a.lines(&b, worst, len(worst), lineOpts{})
	}
	return builtinAnswer{text: b.String(), cites: cites(worst)}, nil
}

func (a *Asker) portfolioHealth(ctx context.Context, ro *store.Store) (builtinAnswer, error) {
	all, err := ro.AskPortfolio(ctx, "none", "", a.today())
	if err != nil {
		return builtinAnswer{}, err
	}
	if len(all) == 0 || all[0].Accounts == 0 {
		return builtinAnswer{text: "There are no live accounts yet."}, nil
	}
	gs, err := ro.AskPortfolio(ctx, "segment", "", a.today())
	if err != nil {
		return builtinAnswer{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*Portfolio*: %s", groupLine(all[0]))
	if len(gs) > 1 {
		for _, g := range gs {
			name := g.Name
			if name == "" {
				name = "(no segment)"
			}
			fmt.Fprintf(&b, "\n• *%s*: %s", esc(name), groupLine(g))
		}
	}
	return builtinAnswer{text: b.String()}, nil
}

func (a *Asker) ownerAccounts(ctx context.Context, ro *store.Store, it Intent, q Question) (builtinAnswer, error) {
	f, where := scope(it, q)
	if f.Owner == "" {
		return builtinAnswer{text: "I don't know which CSM you are in Slack, so I can't find your accounts."}, nil
	}
	f.AsOf, f.Sort, f.Limit = a.today(), "score_asc", listRows
	rows, total, err := ro.AskSearchAccounts(ctx, f)
	if err != nil {
		return builtinAnswer{}, err
	}
	if total == 0 {
		return builtinAnswer{text: fmt.Sprintf("I found no live accounts%s.", where)}, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s%s*, lowest score first:", count(total, "account"), where)
	a.lines(&b, rows, total, lineOpts{})
	return builtinAnswer{text: b.String(), cites: cites(rows)}, nil
}

func (a *Asker) oneAccount(ctx context.Context, ro *store.Store, it Intent) (builtinAnswer, error) {
	id := it.AccountID
	if id == 0 {
		ms, err := findAccounts(ctx, ro, it.Account, 6)
		if err != nil {
			return builtinAnswer{}, err
		}
		var exact []store.AskMatch
		for _, m := range ms {
			if m.Exact {
				exact = append(exact, m)
			}
		}
		switch {
		case len(exact) == 1:
			id = exact[0].ID
		case len(ms) == 1:
			id = ms[0].ID
		case len(ms) == 0:
			return builtinAnswer{text: fmt.Sprintf("I don't know an account called “%s”. `/health %s` suggests close matches.", esc(it.Account), esc(it.Account))}, nil
		default:
			names := make([]string, 0, len(ms))
			for _, m := range ms {
				names = append(names, "*"+esc(m.Name)+"*")
			}
			return builtinAnswer{text: fmt.Sprintf("Several accounts match “%s”: %s. Which one? Ask again with the full name.", esc(it.Account), strings.Join(names, ", "))}, nil
		}
	}
	d, err := ro.AskAccount(ctx, id, a.today())
	if errors.Is(err, store.ErrNotFound) {
		return builtinAnswer{text: "That account no longer exists."}, nil
	}
	if err != nil {
		return builtinAnswer{}, err
	}
	pulses, err := ro.AskPulses(ctx, id, 1)
	if err != nil {
		return builtinAnswer{}, err
	}
	alerts, err := ro.AskAlerts(ctx, id, "open", a.cfg.Now(), 5)
	if err != nil {
		return builtinAnswer{}, err
	}
	return builtinAnswer{text: a.accountText(d, pulses, alerts), cites: cites([]store.AskBrief{d.AskBrief})}, nil
}

func (a *Asker) accountText(d store.AskDetail, pulses []scoring.Pulse, alerts []store.AskAlert) string {
	var b strings.Builder
	name := "*" + esc(d.Name) + "*"
	switch {
	case !d.ChurnedAt.IsZero():
		fmt.Fprintf(&b, "%s churned on %s.", name, date(d.ChurnedAt))
	case d.Scored():
		fmt.Fprintf(&b, "%s is %s %s at *%s*", name, blocks.BandEmoji(d.Band), bandWord(d.Band), num(round1(d.Score)))
		if ch := changes(d.AskBrief); ch != "" {
			b.WriteString(" (" + ch + ")")
		}
		if !d.ScoreAsOf.Equal(a.today()) {
			fmt.Fprintf(&b, ", as of %s", date(d.ScoreAsOf))
		}
		b.WriteString(".")
	default:
		fmt.Fprintf(&b, "%s has no score yet: there is not enough data.", name)
	}
	weak, strong := drivers(d.Drivers)
	if len(weak) > 0 {
		b.WriteString("\nPulling it down: " + driverWords(weak) + ".")
	}
	if len(strong) > 0 {
		b.WriteString("\nHolding it up: " + driverWords(strong) + ".")
	}
	if len(pulses) > 0 {
		p := pulses[0]
		fmt.Fprintf(&b, "\nLast pulse: *%s* (%s, %s)", p.Rating, esc(p.CSMName), p.Week)
		if p.Note != "" {
			fmt.Fprintf(&b, ": “%s”", esc(clip(p.Note, noteChars)))
		} else {
			b.WriteString(".")
		}
	}
	var facts []string
	if !d.RenewalDate.IsZero() {
		facts = append(facts, "renews "+date(d.RenewalDate)+" ("+inDays(d.RenewalDate, a.today())+")")
	}
	facts = append(facts, money(d.MRR)+" MRR")
	if d.Owner != "" {
		facts = append(facts, "owner "+esc(d.Owner))
	}
	if d.Segment != "" {
		facts = append(facts, esc(d.Segment))
	}
	b.WriteString("\n" + strings.Join(facts, " · "))
	if len(alerts) > 0 {
		var as []string
		for _, al := range alerts {
			as = append(as, esc(clip(firstNonEmpty(al.Summary, al.Kind), summaryChars)))
		}
		fmt.Fprintf(&b, "\nOpen alerts: %s.", strings.Join(as, "; "))
	}
	fmt.Fprintf(&b, "\nFull card: `/health %s`", esc(d.Name))
	return b.String()
}

func driverWords(ds []driverOut) string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = esc(d.Label)
		if d.Detail != "" {
			out[i] += " — " + esc(d.Detail)
		}
	}
	return strings.Join(out, "; ")
}

// lineOpts tunes account list lines.
type lineOpts struct {
	renewal    bool // lead with the renewal date
	changeDays int  // lead with the change over 7 or 28 days
}

// lines appends one bullet per account, and "…and N more" when cut.
func (a *Asker) lines(b *strings.Builder, rows []store.AskBrief, total int, o lineOpts) {
	for _, r := range rows {
		var facts []string
		score := "no score yet"
		if r.Scored() {
			score = blocks.BandEmoji(r.Band) + " " + num(round1(r.Score))
		}
		switch {
		case o.renewal && !r.RenewalDate.IsZero():
			facts = append(facts, "renews "+date(r.RenewalDate)+" ("+inDays(r.RenewalDate, a.today())+")", score)
		case o.changeDays != 0:
			ch := r.Change28d
			if o.changeDays == 7 {
				ch = r.Change7d
			}
			if ch != nil {
				facts = append(facts, signed(*ch)+" to "+num(round1(r.Score))+" "+blocks.BandEmoji(r.Band))
			} else {
				facts = append(facts, score)
			}
		default:
			facts = append(facts, score)
			if ch := changes(r); ch != "" {
				facts = append(facts, ch)
			}
		}
		facts = append(facts, money(r.MRR)+" MRR")
		if r.Owner != "" {
			facts = append(facts, esc(r.Owner))
		}
		fmt.Fprintf(b, "\n• *%s* — %s", esc(r.Name), strings.Join(facts, " · "))
	}
	if total > len(rows) {
		fmt.Fprintf(b, "\n…and %d more.", total-len(rows))
	}
}

// groupLine summarises a portfolio group in one line.
func groupLine(g store.AskGroup) string {
	s := fmt.Sprintf("%s — 🟢 %d · 🟡 %d · 🔴 %d", count(g.Accounts, "account"), g.Green, g.Yellow, g.Red)
	if g.None > 0 {
		s += fmt.Sprintf(" · ⚪ %d without a score", g.None)
	}
	if g.ScoredAccounts > 0 {
		s += fmt.Sprintf("; average score %s", num(round1(g.AvgScore)))
	}
	s += fmt.Sprintf("; %s MRR", money(g.MRR))
	if g.MRRRed > 0 {
		s += fmt.Sprintf(", %s of it in red accounts", money(g.MRRRed))
	}
	if g.RenewingIn90Days > 0 {
		s += fmt.Sprintf("; %d renewing in the next 90 days", g.RenewingIn90Days)
	}
	return s
}

func cites(rows []store.AskBrief) []citation {
	out := make([]citation, 0, len(rows))
	for _, r := range rows {
		out = append(out, citation{ID: r.ID, Name: r.Name, Score: round1(r.Score), Band: r.Band, Scored: r.Scored()})
	}
	return out
}

func changes(r store.AskBrief) string {
	var parts []string
	if r.Change7d != nil {
		parts = append(parts, signed(*r.Change7d)+" in 7 days")
	}
	if r.Change28d != nil {
		parts = append(parts, signed(*r.Change28d)+" in 28 days")
	}
	return strings.Join(parts, ", ")
}

// signed writes a change with a real minus sign: "+4", "−12.5", "±0".
func signed(v float64) string {
	v = round1(v)
	switch {
	case v > 0:
		return "+" + num(v)
	case v < 0:
		return "−" + num(-v)
	}
	return "±0"
}

// money writes an amount as "$12,345".
func money(v float64) string {
	n := int64(math.Round(v))
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		return "−$" + s
	}
	return "$" + s
}

func date(t time.Time) string { return t.Format("2 Jan 2006") }

func inDays(t, today time.Time) string {
	d := int(math.Round(t.Sub(today).Hours() / 24))
	switch {
	case d == 0:
		return "today"
	case d == 1:
		return "tomorrow"
	case d < 0:
		return fmt.Sprintf("%d days ago", -d)
	}
	return fmt.Sprintf("in %d days", d)
}

func span(days int) string {
	switch {
	case days%365 == 0:
		return plural(days/365, "year")
	case days%30 == 0 && days >= 30:
		return plural(days/30, "month")
	case days%7 == 0:
		return plural(days/7, "week")
	}
	return plural(days, "day")
}

func plural(n int, unit string) string {
	if n == 1 {
		return unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func count(n int, noun string) string {
	if n == 1 || noun == "more" {
		return strconv.Itoa(n) + " " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

// verb conjugates "renew …" for a count: "1 account renews", "3 accounts renew".
func verb(n int, v string) string {
	if n != 1 {
		return v
	}
	first, rest, _ := strings.Cut(v, " ")
	if rest != "" {
		rest = " " + rest
	}
	return first + "s" + rest
}

// plainText strips mrkdwn markers for the notification text; escapes stay,
// since Slack parses that text too.
func plainText(s string) string {
	return strings.NewReplacer("*", "", "`", "").Replace(s)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func ptr[T any](v T) *T { return &v }
