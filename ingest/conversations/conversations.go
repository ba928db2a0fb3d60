// Package conversations turns the messages of Slack channels shared with a
// customer into engagement signals: how much the customer and the team
// write, how fast the team first answers, and (with a model) how often the
// customer sounds negative. Message text is classified in passing and never
// stored. The Slack adapter decides who is on the team and calls Record.
package conversations

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store"
)

// Sentiment classifies a customer message; nil when no model is configured.
type Sentiment interface {
	Negative(ctx context.Context, text string) (bool, error)
}

// Message is one Slack message in a channel. FromTeam says whether a
// known CSM or a member of the bot's own workspace wrote it; the caller
// decides. Text is only handed to Sentiment.
type Message struct {
	ChannelID string
	UserID    string
	FromTeam  bool
	TS        time.Time
	Text      string
}

// Link is a channel and the account it is linked to.
type Link struct {
	ChannelID         string
	AccountExternalID string
	AccountName       string
}

// Recorder links channels to accounts, records messages and writes the
// daily conversation signals.
type Recorder struct {
	store     *store.Store
	sentiment Sentiment
	log       *slog.Logger
	now       func() time.Time
}

// New makes a Recorder; sentiment may be nil (no negative share then),
// now nil means time.Now.
func New(s *store.Store, sentiment Sentiment, log *slog.Logger, now func() time.Time) *Recorder {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Recorder{store: s, sentiment: sentiment, log: log, now: now}
}

// Link links channelID to the account with that external id, replacing any
// earlier link of the channel (its recorded messages move with it).
func (r *Recorder) Link(ctx context.Context, channelID, accountExternalID string) (Link, error) {
	channelID, accountExternalID = strings.TrimSpace(channelID), strings.TrimSpace(accountExternalID)
	if channelID == "" || accountExternalID == "" {
		return Link{}, healthbot.Errorf(healthbot.EINVALID, "Say which channel and which account, like `/health link #acme-shared acme`.")
	}
	acc, err := r.store.AccountByExternalID(ctx, accountExternalID)
	if errors.Is(err, store.ErrNotFound) {
		return Link{}, healthbot.Errorf(healthbot.ENOTFOUND, "There is no account %q. Use the account's id as the CRM or the intake knows it.", accountExternalID)
	}
	if err != nil {
		return Link{}, err
	}
	if err := r.store.LinkChannel(ctx, channelID, acc.ID, r.now()); err != nil {
		return Link{}, err
	}
	return Link{ChannelID: channelID, AccountExternalID: acc.ExternalID, AccountName: acc.Name}, nil
}

// Unlink removes a channel's link and the metadata recorded for it; it
// reports whether the channel was linked.
func (r *Recorder) Unlink(ctx context.Context, channelID string) (bool, error) {
	return r.store.UnlinkChannel(ctx, channelID)
}

// Linked returns the account a channel is linked to; ok is false when it
// is not linked.
func (r *Recorder) Linked(ctx context.Context, channelID string) (link Link, ok bool, err error) {
	l, err := r.store.ChannelAccount(ctx, channelID)
	if errors.Is(err, store.ErrNotFound) {
		return Link{}, false, nil
	}
	if err != nil {
		return Link{}, false, err
	}
	return Link{ChannelID: channelID, AccountExternalID: l.AccountExternalID, AccountName: l.AccountName}, true, nil
}

// Record tallies one message of a linked channel and reports whether it
// was recorded: messages of unlinked channels and redelivered messages
// (same channel and ts) are ignored. A new customer message is then
// classified when a Sentiment is set; a failing model only leaves it
// unclassified. The model may be slow: call Record after acknowledging
// Slack's event.
func (r *Recorder) Record(ctx context.Context, m Message) (bool, error) {
	if m.ChannelID == "" || m.TS.IsZero() {
		return false, healthbot.Errorf(healthbot.EINVALID, "a message needs a channel and a timestamp")
	}
	if _, ok, err := r.Linked(ctx, m.ChannelID); err != nil || !ok {
		return false, err
	}
	added, err := r.store.RecordConversationMessage(ctx, m.ChannelID, m.TS, m.FromTeam, nil)
	if err != nil || !added {
		return false, err
	}
	return true, r.classify(ctx, m)
}

func (r *Recorder) classify(ctx context.Context, m Message) error {
	if r.sentiment == nil || m.FromTeam || strings.TrimSpace(m.Text) == "" {
		return nil
	}
	neg, err := r.sentiment.Negative(ctx, m.Text)
	if err != nil {
		r.log.Warn("sentiment model failed; message left unclassified", "channel", m.ChannelID, "err", err)
		return nil
	}
	return r.store.SetConversationSentiment(ctx, m.ChannelID, m.TS, neg)
}

// Tallies returns a channel's daily tallies for the UTC days in [from, to).
func (r *Recorder) Tallies(ctx context.Context, channelID string, from, to time.Time) ([]store.ConversationDay, error) {
	return r.store.ConversationTallies(ctx, channelID, from, to)
}

// Aggregate writes the conversation signals (customer_messages,
// team_messages, first_response_minutes, negative_sentiment_share) of the
// days UTC [asOf-days, asOf) for every account with a linked channel and
// returns the signals written per metric. Run it daily with a few days
// (say 7), so answers that came after midnight are counted too.
func (r *Recorder) Aggregate(ctx context.Context, asOf time.Time, days int) (map[string]int64, error) {
	if days < 1 {
		days = 1
	}
	y, mo, d := asOf.UTC().Date()
	to := time.Date(y, mo, d, 0, 0, 0, 0, time.UTC)
	return r.store.WriteConversationSignals(ctx, to.AddDate(0, 0, -days), to)
}
