// Package outcomes is the Slack side of outcome capture: the daily job
// asks each churned or renewed account's owner why, in a DM (the
// detection is app.DetectOutcomes), and the question's menu, button and
// note modal store the answer for the backtest report. It never imports
// package bot: the router registers its handlers through Registrar.
package outcomes

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Store is what outcome capture needs from the store: detection
// (app.DetectOutcomes) and the questions; *store.Store has it.
type Store interface {
	app.OutcomeDetectStore
	ClaimUnaskedOutcomes(ctx context.Context, since, staleBefore, now time.Time) ([]store.Outcome, error)
	MarkOutcomeAsked(ctx context.Context, id int64, slackUser, channelID, ts string, at time.Time) error
	ReleaseOutcome(ctx context.Context, id int64) error
	Outcome(ctx context.Context, id int64) (store.Outcome, error)
	AnswerOutcome(ctx context.Context, id int64, reasons []string, note, by string, at time.Time) (store.Outcome, error)
	Card(ctx context.Context, accountID int64, historyDays int) (store.Card, error)
}

var _ Store = (*store.Store)(nil)

// Slack is the part of the Web API outcome capture uses; *slack.Client has it.
type Slack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

var _ Slack = (*slack.Client)(nil)

// Owners finds an account owner's Slack user ("" when they are not in
// Slack); bot.OwnerResolver has it.
type Owners interface {
	SlackID(ctx context.Context, c scoring.CSM) (string, error)
}

// Guard refuses users who may not see account data in Slack (guests,
// outsiders); bot's access gate has it.
type Guard interface {
	CheckUser(ctx context.Context, userID string) error
}

// Retrier repeats a Slack call Slack rate-limited; chat.RateLimitRetrier
// has it.
type Retrier interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Registrar routes buttons and modal submissions to handlers; bot.Router
// has it.
type Registrar interface {
	Action(prefix string, h chat.ActionHandler)
	ViewSubmission(callbackID string, h chat.ActionHandler)
}

// Config configures New; zero values take defaults.
type Config struct {
	Store  Store
	Slack  Slack  // nil: outcomes are recorded, nobody is asked
	Owners Owners // required with Slack
	Now    func() time.Time
	Logger *slog.Logger
	Retry  Retrier // nil: each call is made once
	Guard  Guard   // questions only go to owners who may see account data in Slack; nil: no check
	// AskWithinDays: churns and renewals detected longer ago than this are
	// no longer asked about (and a churn older than this when first seen
	// is never asked about). Default 30.
	AskWithinDays int
}

// outcomeClaimTTL is how long a claimed question may wait for its post
// before another run asks it instead.
const outcomeClaimTTL = 15 * time.Minute

// Outcomes asks an account's owner why it churned or renewed, once per
// churn or renewal, and stores the answer for the backtest report.
type Outcomes struct {
	store  Store
	slack  Slack
	owners Owners
	now    func() time.Time
	log    *slog.Logger
	retry  Retrier
	within int
	guard  Guard
}

// New builds the daily outcome job and its buttons.
func New(cfg Config) *Outcomes {
	o := &Outcomes{store: cfg.Store, slack: cfg.Slack, owners: cfg.Owners, now: cfg.Now, log: cfg.Logger, retry: cfg.Retry, within: cfg.AskWithinDays, guard: cfg.Guard}
	if o.now == nil {
		o.now = time.Now
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.retry == nil {
		o.retry = once{}
	}
	if o.within <= 0 {
		o.within = 30
	}
	return o
}

// RunSummary is what one AskOutcomes run did.
type RunSummary struct {
	Churns   int // new churns recorded
	Renewals int // new renewals recorded
	Asked    int // questions sent
	Waiting  int // questions that could not be sent yet (owner unknown to Slack, Slack failing); tried again next run
}

// AskOutcomes is the daily outcome job: it records accounts that churned
// or renewed since the last run (app.DetectOutcomes), then DMs each new
// one's owner the question. Run it once a day; a second run the same day
// asks nothing twice.
func (o *Outcomes) AskOutcomes(ctx context.Context, now time.Time) (RunSummary, error) {
	found, err := app.DetectOutcomes(ctx, o.store, now, o.within)
	sum := RunSummary{Churns: found.Churns, Renewals: found.Renewals}
	if err != nil {
		return sum, err
	}
	if o.slack == nil {
		return sum, nil
	}
	pending, err := o.store.ClaimUnaskedOutcomes(ctx, now.AddDate(0, 0, -o.within), now.Add(-outcomeClaimTTL), now)
	if err != nil {
		return sum, err
	}
	for _, oc := range pending {
		if o.ask(ctx, oc, now) {
			sum.Asked++
		} else {
			sum.Waiting++
		}
	}
	o.log.InfoContext(ctx, "outcomes checked", "churns", sum.Churns, "renewals", sum.Renewals, "asked", sum.Asked, "waiting", sum.Waiting)
	return sum, nil
}

// ask DMs the owner one question and records it; false leaves it for the
// next run.
func (o *Outcomes) ask(ctx context.Context, oc store.Outcome, now time.Time) bool {
	release := func(msg string, args ...any) bool {
		o.log.WarnContext(ctx, msg, append(args, "outcome", oc.ID, "account", oc.AccountID)...)
		if err := o.store.ReleaseOutcome(ctx, oc.ID); err != nil {
			o.log.ErrorContext(ctx, "cannot release the outcome question; it is retried when its claim expires", "outcome", oc.ID, "err", err)
		}
		return false
	}
	card, err := o.store.Card(ctx, oc.AccountID, 0)
	if err != nil {
		return release("outcome question not sent: account unreadable", "err", err)
	}
	user, err := o.owners.SlackID(ctx, card.Account.Owner)
	if err != nil {
		return release("outcome question not sent: owner lookup failed", "err", err)
	}
	if user == "" {
		return release("outcome question not sent: the account's owner is not reachable in Slack")
	}
	if o.guard != nil {
		if err := o.guard.CheckUser(ctx, user); err != nil {
			return release("outcome question not sent: the owner may not see account data in Slack", "user", user, "err", err)
		}
	}
	q := question(oc, card.Account)
	var ch, ts string
	err = o.retry.Do(ctx, chat.Finishing(func(ctx context.Context) error { // recorded as asked: finish it
		var err error
		ch, ts, err = o.slack.PostMessageContext(ctx, user, slack.MsgOptionText(blocks.OutcomeText(q), false), slack.MsgOptionBlocks(blocks.OutcomeBlocks(q)...))
		return err
	}))
	if err != nil {
		return release("outcome question not sent: Slack refused", "user", user, "err", err)
	}
	if err := o.store.MarkOutcomeAsked(ctx, oc.ID, user, ch, ts, now); err != nil {
		o.log.ErrorContext(ctx, "outcome question sent but not recorded as asked", "outcome", oc.ID, "err", err)
	}
	return true
}

// question is the outcome as its DM shows it.
func question(oc store.Outcome, acct scoring.Account) blocks.OutcomeQuestion {
	return blocks.OutcomeQuestion{
		ID: oc.ID, Account: acct, Kind: string(oc.Kind), OccurredOn: oc.OccurredOn, NextRenewal: oc.NextRenewal,
		Reasons: oc.Reasons, Note: oc.Note, AnsweredBy: oc.AnsweredBy,
	}
}

// errOutcomeGone answers clicks on an outcome that no longer exists.
var errOutcomeGone = healthbot.Errorf(healthbot.ENOTFOUND, "That question no longer exists (the account may have been deleted).")

func outcomeErr(err error) error {
	return healthbot.Wrap(fmt.Errorf("outcome: %w", err), "I could not save that just now. Please try again.")
}

// once is the Retrier that makes each call once.
type once struct{}

func (once) Do(ctx context.Context, fn func(ctx context.Context) error) error { return fn(ctx) }
