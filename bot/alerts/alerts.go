package alerts

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/access"
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

// Config configures New; every field but Store may be left zero (New
// says what each zero means), so the CLI, serve and tests build alerts
// the same way.
type Config struct {
	Store      Store
	Slack      Slack              // nil: alerts are evaluated and stored; a later run with Slack posts them
	Owners     Owners             // nil: the Slack ids stored on the CSMs, no lookup by email
	Scorecards scoring.Scorecards // zero: the built-in defaults
	Channel    string             // HEALTHBOT_ALERT_CHANNEL; "" posts to owners only
	Routes     AlertRoutes        // HEALTHBOT_ALERT_ROUTES
	Location   *time.Location     // dates in messages; nil means UTC
	Now        func() time.Time   // nil means time.Now
	Logger     *slog.Logger
	Retry      chat.RateLimitRetrier // paces posts on 429s; MaxRetries 0 means DefaultAlertRetries, nil Log the Logger
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
	// assign an alert to someone else); nil: the access gate's word
	// (access.IsManager).
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
	retry   chat.RateLimitRetrier
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
	if a.retry.MaxRetries == 0 { // an alert waits out more 429s than a reply: a burst of alerts is paced, not dropped
		a.retry.MaxRetries = DefaultAlertRetries
	}
	if a.retry.Log == nil {
		a.retry.Log = a.log
	}
	if a.owners == nil {
		a.owners = storedOwners{}
	}
	if a.isManager == nil {
		a.isManager = access.IsManager
	}
	return a
}

// storedOwners is the owner lookup without Slack: the Slack id stored on
// the CSM, or none. It is what an OwnerResolver without a Slack client
// answers, so alerts built without one DM the owners already linked.
type storedOwners struct{}

func (storedOwners) SlackID(_ context.Context, c scoring.CSM) (string, error) {
	return c.SlackUserID, nil
}
