package health

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// HealthStore is what /health reads; *store.Store implements it.
type HealthStore interface {
	LookupStore
	Card(ctx context.Context, accountID int64, historyDays int) (store.Card, error)
	AccountLines(ctx context.Context, f store.LineFilter) ([]store.AccountLine, error)
	LineTotals(ctx context.Context, f store.LineFilter) (store.LineTotals, error)
	LiveSegments(ctx context.Context) ([]store.SegmentSize, error)
	CSMBySlackID(ctx context.Context, slackID string) (scoring.CSM, error)
	CSMByEmail(ctx context.Context, email string) (scoring.CSM, error)
	EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error)
}

var _ HealthStore = (*store.Store)(nil)

// Questioner answers /health text that is neither a subcommand nor an
// account name (the language-model loop of DESIGN §6); req.Text is the
// question.
type Questioner interface {
	Ask(ctx context.Context, req chat.Request) (chat.Message, error)
}

// UserDirectory finds a Slack user's email, so a CSM imported by email is
// recognised by Slack id.
type UserDirectory interface {
	UserEmail(ctx context.Context, slackUserID string) (string, error)
}

// HealthCall is one run of a subcommand.
type HealthCall struct {
	chat.Request
	Args   string // what follows the subcommand name, trimmed
	Offset int    // first row of the page to show (pagination buttons)
}

// Subcommand is one word after /health with its handler. Register adds more.
type Subcommand struct {
	Name    string   // lower-case first word: "renewals"
	Aliases []string // other first words: "risk", "atrisk"
	Usage   string   // for help: "renewals [90d]"
	Summary string   // for help: "accounts renewing soon, not green first"
	Hidden  bool     // not listed in help
	Run     func(ctx context.Context, c HealthCall) (chat.Message, error)
}

// Health is the /health command: portfolio, account cards, lists, help, and
// the buttons on them. It implements CommandHandler and ActionHandler.
type Health struct {
	// Questioner gets free text that is no subcommand or account; nil means
	// "no account named …" with close matches.
	Questioner Questioner
	// Directory resolves callers not yet linked to a CSM by Slack id; optional.
	Directory UserDirectory
	// TextCharts draws score history as a sparkline instead of a Block Kit
	// data-visualisation chart (for workspaces that cannot show charts).
	TextCharts bool
	// TextTables lists accounts as lines of text instead of data tables
	// and carousels (HEALTHBOT_TABLES=text). Either way the text version
	// is the fallback when Slack refuses the newer blocks.
	TextTables bool
	// Location is the zone "today" is reckoned in (renewal windows); UTC if nil.
	Location *time.Location
	// Timeline, when set (bot/timeline's Register), puts the last
	// touchpoints and a Log button on cards.
	Timeline CardTimeline

	store  HealthStore
	lookup *Lookup
	log    *slog.Logger
	now    func() time.Time
	subs   []Subcommand
}

var (
	_ chat.CommandHandler = (*Health)(nil)
	_ chat.ActionHandler  = (*Health)(nil)
)

// HistoryDays is how much score history the card reads: 20 weeks, the
// most a Slack chart series shows.
const HistoryDays = 7 * blocks.MaxChartPoints

// HelpCommand is the slash command shown in help texts.
const HelpCommand = "/health"

// NewHealth builds the /health handler with its built-in subcommands.
func NewHealth(st HealthStore, log *slog.Logger, now func() time.Time) *Health {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	h := &Health{store: st, lookup: NewLookup(st, now), log: log, now: now}
	for _, sc := range h.builtins() {
		h.Register(sc)
	}
	return h
}

// Register adds a subcommand, replacing any with the same name.
func (h *Health) Register(sc Subcommand) {
	sc.Name = strings.ToLower(sc.Name)
	h.subs = slices.DeleteFunc(h.subs, func(s Subcommand) bool { return s.Name == sc.Name })
	h.subs = append(h.subs, sc)
}

// Subcommands lists the registered subcommands in registration order.
func (h *Health) Subcommands() []Subcommand { return slices.Clone(h.subs) }

// Lookup exposes account lookup to other handlers (pulse, questions).
func (h *Health) Lookup() *Lookup { return h.lookup }

// ActionIDs are the action IDs HandleAction answers, for the router.
func (h *Health) ActionIDs() []string {
	return []string{blocks.ActionShare, blocks.ActionPick, blocks.ActionOpenCard, blocks.ActionOpenCardTable, blocks.ActionPrev, blocks.ActionNext}
}

func (h *Health) subcommand(word string) (Subcommand, bool) {
	word = strings.ToLower(word)
	for _, s := range h.subs {
		if s.Name == word || slices.Contains(s.Aliases, word) {
			return s, true
		}
	}
	return Subcommand{}, false
}

// CardTimeline is the card's timeline section: the last touchpoints and
// how many more there are; bot/timeline's *Timeline has it. Declared here
// so the card needs no import of the timeline, which builds on Health.
type CardTimeline interface {
	CardTimeline(ctx context.Context, accountID int64) (*blocks.Timeline, error)
}

// ErrUsage marks a subcommand's "that is not how to call me" answer: when
// the arguments could not be read, /health offers the text to the
// Questioner instead ("/health renewals at risk in the next 2 weeks").
var ErrUsage = errors.New("usage")

// Usage is a subcommand's answer to arguments it cannot read: an EINVALID
// error whose message says how to call it, marked with ErrUsage.
func Usage(format string, args ...any) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EINVALID, Message: fmt.Sprintf(format, args...), Err: ErrUsage}
}

// HandleCommand routes /health text: "" → my portfolio, a subcommand, an
// account name, else the Questioner.
func (h *Health) HandleCommand(ctx context.Context, req chat.Request) (chat.Message, error) {
	req.Text = strings.TrimSpace(req.Text)
	return h.dispatch(ctx, HealthCall{Request: req})
}

func (h *Health) dispatch(ctx context.Context, c HealthCall) (chat.Message, error) {
	text := c.Text
	if text == "" {
		return h.portfolio(ctx, c)
	}
	word, args, _ := strings.Cut(text, " ")
	if sc, ok := h.subcommand(word); ok {
		if args != "" { // "/health movers inc" may name an account
			if m, ok, err := h.exactCard(ctx, c.Request, text); ok || err != nil {
				return m, err
			}
		}
		c.Args = strings.TrimSpace(args)
		m, err := sc.Run(ctx, c)
		// "/health renewals at risk in the next 2 weeks": arguments the
		// subcommand cannot read may still be a question.
		if err != nil && c.Args != "" && h.Questioner != nil && errors.Is(err, ErrUsage) {
			return h.Questioner.Ask(ctx, c.Request)
		}
		return m, err
	}
	return h.accountOrQuestion(ctx, c.Request, text)
}

func (h *Health) exactCard(ctx context.Context, req chat.Request, text string) (chat.Message, bool, error) {
	res, err := h.Find(ctx, text)
	if err != nil {
		return chat.Message{}, false, err
	}
	if e, ok := res.One(); ok && res.Kind == MatchExact {
		m, err := h.CardMessage(ctx, e.ID, "")
		return m, true, err
	}
	return chat.Message{}, false, nil
}

func (h *Health) accountOrQuestion(ctx context.Context, req chat.Request, text string) (chat.Message, error) {
	res, err := h.Find(ctx, text)
	if err != nil {
		return chat.Message{}, err
	}
	if e, ok := res.One(); ok {
		return h.CardMessage(ctx, e.ID, "")
	}
	// A question is free text with no account behind it; a short text with
	// close matches is more likely a misspelt name.
	if h.Questioner != nil && len(res.Matches) == 0 && (len(res.Suggestions) == 0 || len(strings.Fields(text)) >= 3) {
		return h.Questioner.Ask(ctx, req)
	}
	return h.unresolved(res), nil
}

// Store is what the handlers read, for subcommands registered from
// other packages (pulse, timeline).
func (h *Health) Store() HealthStore { return h.store }

// Now is the handlers' clock.
func (h *Health) Now() time.Time { return h.now() }

// Find looks name up among the accounts; a failed lookup is an internal
// error with a safe message.
func (h *Health) Find(ctx context.Context, name string) (LookupResult, error) {
	res, err := h.lookup.Find(ctx, name)
	if err != nil {
		return res, healthbot.Wrap(err, "I could not search the accounts just now. Please try again.")
	}
	return res, nil
}

// FindAccount resolves a name to one account. When it does not, it returns
// the message to show instead: a chooser (buttons with blocks.ActionPick,
// which open the card) or "No account named …" with close matches.
func (h *Health) FindAccount(ctx context.Context, name string) (store.LookupEntry, *chat.Message, error) {
	res, err := h.Find(ctx, name)
	if err != nil {
		return store.LookupEntry{}, nil, err
	}
	if e, ok := res.One(); ok {
		return e, nil, nil
	}
	m := h.unresolved(res)
	return store.LookupEntry{}, &m, nil
}

// unresolved is the answer when a lookup found no single account.
func (h *Health) unresolved(res LookupResult) chat.Message {
	if len(res.Matches) > 1 {
		cands := candidatesOf(res.Matches)
		more := max(0, len(cands)-blocks.MaxChoices)
		m := chat.Message{Text: fmt.Sprintf("Several accounts match “%s”.", res.Query), Blocks: blocks.ChooseBlocks(res.Query, cands, more)}
		if !h.TextTables {
			m.Blocks, m.Fallback = blocks.ChooseCarousel(res.Query, cands, more), m.Blocks
		}
		return m
	}
	cands := candidatesOf(res.Suggestions)
	return chat.Message{
		Text: blocks.NotFoundText(res.Query, cands),
		Blocks: blocks.NotFoundBlocks(res.Query, cands,
			"I know accounts by name, domain or id. Try `"+HelpCommand+" help` for everything I can do."),
	}
}

func candidatesOf(es []store.LookupEntry) []blocks.Candidate {
	out := make([]blocks.Candidate, len(es))
	for i, e := range es {
		out[i] = blocks.Candidate{ID: e.ID, Name: e.Name, Domain: e.Domain, Segment: e.Segment, Churned: e.Churned}
	}
	return out
}

// HandleAction answers the buttons of /health messages (see ActionIDs).
func (h *Health) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	switch act.ActionID {
	case blocks.ActionShare, blocks.ActionPick, blocks.ActionOpenCard, blocks.ActionOpenCardTable:
		id, err := strconv.ParseInt(act.Value, 10, 64)
		if err != nil || id <= 0 {
			return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That button no longer works; run the command again.")
		}
		switch act.ActionID {
		case blocks.ActionShare:
			m, err := h.CardMessage(ctx, id, act.UserID)
			m.InChannel = true
			return m, err
		case blocks.ActionPick:
			m, err := h.CardMessage(ctx, id, "")
			m.ReplaceOriginal = true
			return m, err
		}
		return h.CardMessage(ctx, id, "")
	case blocks.ActionPrev, blocks.ActionNext:
		offset, cmd, err := blocks.ParsePageValue(act.Value)
		if err != nil {
			return chat.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That button no longer works; run the command again.", Err: err}
		}
		req := act.Request
		req.Text = cmd
		m, err := h.dispatch(ctx, HealthCall{Request: req, Offset: offset})
		m.ReplaceOriginal = true
		return m, err
	}
	return chat.Message{}, healthbot.Errorf(healthbot.ENOTFOUND, "I don't know that button.")
}

// CallerCSM finds the CSM behind a Slack user: by Slack id, else by the
// user's email (through Directory), linking the Slack id for next time.
// It returns store.ErrNotFound when the user is no CSM.
func (h *Health) CallerCSM(ctx context.Context, slackUserID string) (scoring.CSM, error) {
	c, err := h.store.CSMBySlackID(ctx, slackUserID)
	if err == nil || !errors.Is(err, store.ErrNotFound) || h.Directory == nil {
		return c, err
	}
	email, derr := h.Directory.UserEmail(ctx, slackUserID)
	if derr != nil || email == "" {
		if derr != nil {
			h.log.WarnContext(ctx, "cannot read the Slack user's email", "user", slackUserID, "err", derr)
		}
		return scoring.CSM{}, store.ErrNotFound
	}
	c, err = h.store.CSMByEmail(ctx, email)
	if err != nil {
		return c, err
	}
	if c.SlackUserID == "" {
		if _, err := h.store.EnsureCSM(ctx, c.Email, slackUserID, ""); err != nil {
			h.log.WarnContext(ctx, "cannot link the Slack user to the CSM", "user", slackUserID, "csm", c.ID, "err", err)
		} else {
			c.SlackUserID = slackUserID
		}
	}
	return c, nil
}

func (h *Health) today() time.Time {
	loc := h.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := h.now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// week is the current ISO week in the CSM's zone (the pulse key).
func (h *Health) week(c scoring.CSM) string {
	loc := h.Location
	if c.TZ != "" {
		if l, err := time.LoadLocation(c.TZ); err == nil {
			loc = l
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	return scoring.ISOWeek(h.now().In(loc))
}
