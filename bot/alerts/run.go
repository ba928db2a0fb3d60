package alerts

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Store is what the alert run and the alert buttons need from the store;
// *store.Store has it.
type Store interface {
	app.AlertReads
	app.AlertWriter
	AnyAlert(ctx context.Context) (bool, error)
	SetAlertMessages(ctx context.Context, id int64, channelID, ts, dmChannelID, dmTS string) error
	ChangeAlert(ctx context.Context, id int64, c store.AlertChange, now time.Time) (store.AlertRecord, error)
	Alert(ctx context.Context, id int64) (store.AlertRecord, error)
	Card(ctx context.Context, accountID int64, historyDays int) (store.Card, error)
	budgetStore
}

// budgetStore keeps the weekly alert-DM budget and the Not useful votes.
type budgetStore interface {
	RecordAlertDelivery(ctx context.Context, d store.AlertDelivery) (bool, error)
	AlertDMsInWeek(ctx context.Context, week string) (map[string]int, error)
	AlertDelivered(ctx context.Context, alertID int64, user string) (string, error)
	AlertSummaryUsersSince(ctx context.Context, since time.Time) (map[string]bool, error)
	MarkAlertNotUseful(ctx context.Context, alertID int64, user, reason string, at time.Time) error
}

var _ Store = (*store.Store)(nil)

// Slack is the part of the Web API alerts use; *slack.Client has it.
type Slack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

var _ Slack = (*slack.Client)(nil)

// Owners finds an account owner's Slack user ("" when they are not in
// Slack); bot.OwnerResolver has it.
type Owners interface {
	SlackID(ctx context.Context, c scoring.CSM) (string, error)
}

// Guard refuses channels shared with another organisation and users who
// may not see account data; bot's access gate has it.
type Guard interface {
	CheckChannel(ctx context.Context, channelID string) error
	CheckUser(ctx context.Context, userID string) error
}

// Retrier repeats a Slack call Slack rate-limited; chat.RateLimitRetrier
// has it.
type Retrier interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Timeline records an alert action on the account's timeline;
// *timeline.Timeline has it.
type Timeline interface {
	RecordAlert(ctx context.Context, user string, alertID, accountID int64, action, note string)
}

// Views opens a modal; *slack.Client has it.
type Views interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// Registrar routes buttons and modal submissions to handlers; bot.Router
// has it.
type Registrar interface {
	Action(prefix string, h chat.ActionHandler)
	ViewSubmission(callbackID string, h chat.ActionHandler)
}

// Config configures New. bot.NewAlerts fills in the defaults that need
// package bot (the owner lookup, the rate-limit retrier, who is a manager).
type Config struct {
	Store      Store
	Slack      Slack              // nil: alerts are evaluated and stored; a later run with Slack posts them
	Owners     Owners             // required with Slack
	Scorecards scoring.Scorecards // zero: the built-in defaults
	Channel    string             // HEALTHBOT_ALERT_CHANNEL; "" posts to owners only
	Routes     AlertRoutes        // HEALTHBOT_ALERT_ROUTES
	Location   *time.Location     // dates in messages; nil means UTC
	Now        func() time.Time   // nil means time.Now
	Logger     *slog.Logger
	Retry      Retrier // paces posts on 429s; nil: each call is made once
	// PostFirstRun posts every alert of the first run on a portfolio on
	// its own (HEALTHBOT_ALERT_FIRST_RUN=post). By default that run, which
	// finds every condition already true, records them quietly and posts
	// one summary to the alert channel.
	PostFirstRun bool
	// Guard checks the alert channel before each post (not shared with
	// another organisation); nil: no check.
	Guard Guard
	// Budget is how many alert DMs one person gets a week
	// (HEALTHBOT_ALERT_BUDGET); 0 means DefaultAlertBudget, negative no
	// limit. The rest of a day's alerts go into one summary DM; the
	// channel is not budgeted.
	Budget int
	// Timeline records Acknowledge and Assign on the account's timeline;
	// nil: not recorded.
	Timeline Timeline
	// Views opens the Not useful reason modal; nil: the vote is stored
	// without asking for a reason.
	Views Views
	// IsManager says whether the person behind ctx is a manager (who may
	// assign an alert to someone else); nil: nobody is.
	IsManager func(ctx context.Context) bool
}

// DefaultAlertBudget is the weekly alert DMs per person practitioners
// recommend at most (5–8).
const DefaultAlertBudget = 8

// DefaultAlertRetries is how many 429s in a row one alert post waits out.
const DefaultAlertRetries = 20

// RetryUnpostedDays is how far back a live alert whose post failed is
// posted again.
const RetryUnpostedDays = 7

// Alerts raises, posts and keeps up to date the alerts of DESIGN §5: the
// scoring job calls EvaluateAndPostAlerts after each run, and the buttons
// on the messages change the alerts' state.
type Alerts struct {
	store   Store
	slack   Slack
	owners  Owners
	cards   scoring.Scorecards
	channel string
	routes  AlertRoutes
	loc     *time.Location
	now     func() time.Time
	log     *slog.Logger
	retry   Retrier
	// postFirst posts the first run's alerts one by one (Config.PostFirstRun).
	postFirst bool
	guard     Guard
	budget    int // < 0: no limit
	timeline  Timeline
	views     Views
	isManager func(ctx context.Context) bool
}

// New builds the alert job and button handlers.
func New(cfg Config) *Alerts {
	a := &Alerts{
		store: cfg.Store, slack: cfg.Slack, owners: cfg.Owners, cards: cfg.Scorecards, channel: cfg.Channel,
		routes: cfg.Routes, loc: cfg.Location, now: cfg.Now, log: cfg.Logger, retry: cfg.Retry, postFirst: cfg.PostFirstRun,
		guard: cfg.Guard, budget: cfg.Budget, timeline: cfg.Timeline, views: cfg.Views, isManager: cfg.IsManager,
	}
	if a.budget == 0 {
		a.budget = DefaultAlertBudget
	}
	if a.cards.IsZero() {
		a.cards = scoring.DefaultScorecards()
	}
	if a.loc == nil {
		a.loc = time.UTC
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.retry == nil {
		a.retry = once{}
	}
	if a.isManager == nil {
		a.isManager = func(context.Context) bool { return false }
	}
	return a
}

// once is the Retrier that makes each call once.
type once struct{}

func (once) Do(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }

// UseScorecards makes the following runs evaluate with cards (the
// scoring job passes the scorecards in force, read at each of its runs, so
// an approved version's rules and band lines apply without a restart).
// Call it between runs, not during one.
func (a *Alerts) UseScorecards(cards scoring.Scorecards) {
	if !cards.IsZero() {
		a.cards = cards
	}
}

// RecordOn makes Acknowledge and Assign write to t's account timelines
// (wired after the router has the timeline; nil: not recorded).
func (a *Alerts) RecordOn(t Timeline) { a.timeline = t }

// AlertRunSummary is what one run did.
type AlertRunSummary struct {
	Accounts int // alive accounts evaluated
	Fired    int
	Quiet    int // of Fired, recorded by the first run and summed up instead of posted
	// Baseline sums up the quiet alerts routed to the channel per rule:
	// the first run's one channel message (owners get their own DM).
	Baseline blocks.AlertBaseline
	Resolved int
	Reopened int
	Posted   int // new Slack messages (channel, DMs, thread replies)
	Updated  int // Slack messages updated
	// OverBudget is how many owner DMs the weekly budget turned into lines
	// of a summary DM; Summaries how many summary DMs were sent.
	OverBudget int
	Summaries  int
	Failed     int // posts or updates that failed; posts are tried again next run
	Took       time.Duration
}

// EvaluateAndPostAlerts runs every alert rule over the portfolio as scored
// on day (call it right after RunScoring for that day), stores the
// decisions (each on its own; a live duplicate is never fired twice, so
// replicas are safe), then posts what fired, updates the messages of what
// resolved and re-posts what a snooze no longer hides. Slack failures do
// not fail the run: failed posts are retried by the next one. The first
// run on a portfolio (no alert ever recorded) records what fires quietly
// and posts one summary instead, unless PostFirstRun is set.
func (a *Alerts) EvaluateAndPostAlerts(ctx context.Context, day time.Time) (AlertRunSummary, error) {
	start := time.Now()
	now := a.now()
	w, err := app.GatherAlerts(ctx, a.store, a.cards, scoring.Day(day), now)
	if err != nil {
		return AlertRunSummary{}, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	quiet := false
	if !a.postFirst {
		seen, err := a.store.AnyAlert(ctx)
		if err != nil {
			return AlertRunSummary{}, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
		}
		quiet = !seen
	}
	sum := AlertRunSummary{Accounts: w.Alive}
	changes, n, err := app.ApplyAlerts(ctx, a.store, w, a.cards, now, quiet)
	sum.Fired, sum.Quiet, sum.Resolved, sum.Reopened = n.Fired, n.Quiet, n.Resolved, n.Reopened
	if err != nil {
		return sum, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	if sum.Quiet > 0 {
		sum.Baseline = baselineOf(w.Alive, changes, func(c app.AlertChange) bool {
			return quietFire(c) && a.routes.For(c.Rec.Kind).Channel()
		})
	}
	if a.slack != nil {
		if sum.Quiet > 0 {
			a.announceBaseline(ctx, w, changes, &sum)
		}
		b, err := a.newDMBudget(ctx, now)
		if err != nil {
			return sum, fmt.Errorf("alerts for %s: %w", scoring.Day(day).Format(time.DateOnly), err)
		}
		a.deliver(ctx, w, changes, b, &sum)
		a.retryUnposted(ctx, w, changes, now, b, &sum)
		a.sendSummaries(ctx, b, &sum)
	}
	sum.Took = time.Since(start)
	a.log.InfoContext(ctx, "alerts evaluated", "day", scoring.Day(day).Format(time.DateOnly), "accounts", sum.Accounts,
		"fired", sum.Fired, "quiet", sum.Quiet, "resolved", sum.Resolved, "reopened", sum.Reopened, "posted", sum.Posted,
		"updated", sum.Updated, "failed", sum.Failed, "took", sum.Took)
	return sum, nil
}

// resolution says in words why an alert resolved.
func resolution(summary string, s scoring.Score) string {
	switch summary {
	case scoring.SupersededSummary:
		return "replaced by a newer alert"
	case app.ResolvedChurned:
		return "the account churned"
	}
	r := "condition cleared"
	if s.HasScore() {
		r += fmt.Sprintf(" · score now %.0f (%s)", s.Value, blocks.BandName(s.Band))
	}
	return r
}
