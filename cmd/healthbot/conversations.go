package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	slackconv "github.com/healthbot/healthbot/bot/conversations"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/ingest/conversations"
	"github.com/healthbot/healthbot/store"
)

// registerConversations adds conversation signals to Slack: `/health link`
// and `/health unlink` on health, and the "message" event of the channels
// the bot is in.
func (m *Main) registerConversations(r *bot.Router, h *health.Health, api *slack.Client) {
	log := m.Logger.With("component", "conversations")
	wireConversations(r, h, newConversations(m.Config, m.store, log), m.store, api, log)
}

// wireConversations registers the handlers over rec; tests call it with
// the harness's router and client.
func wireConversations(r *bot.Router, h *health.Health, rec *conversations.Recorder, st *store.Store, api *slack.Client, log *slog.Logger) {
	b := conversationBridge{rec: rec}
	h.EnableChannelLinks(b, slackconv.SlackChannels{Client: api})
	r.Event("message", slackconv.NewConversationLog(b, st, api, slackconv.NewSlackMembers(api, nil), log))
}

// newConversations is the conversation recorder, classifying customer
// messages with the configured model (none without OPENAI_MODEL). The
// scheduler's daily Aggregate can use one too.
func newConversations(cfg Config, st *store.Store, log *slog.Logger) *conversations.Recorder {
	return conversations.New(st, newSentiment(cfg, log), log, nil)
}

// newSentiment is the customer-message classifier, or nil (no
// negative_sentiment_share) without a model or with a bad OPENAI_BASE_URL.
func newSentiment(cfg Config, log *slog.Logger) conversations.Sentiment {
	if !cfg.ModelEnabled() {
		return nil
	}
	client, err := ask.NewClient(cfg.OpenAIAPIKey, cfg.OpenAIBaseURL, &http.Client{Timeout: slackconv.DefaultSentimentTimeout * 3 / 2})
	if err != nil {
		log.Error("conversation sentiment disabled", "err", err)
		return nil
	}
	return slackconv.SentimentModel{Client: client, Model: cfg.OpenAIModel}
}

// conversationBridge adapts the intake's recorder to the interfaces bot
// defines, so bot never imports ingest; its user-safe errors become
// healthbot.Errors.
type conversationBridge struct{ rec *conversations.Recorder }

var (
	_ health.ChannelLinker           = conversationBridge{}
	_ slackconv.ConversationRecorder = conversationBridge{}
	_ conversations.Sentiment        = slackconv.SentimentModel{}
	_ slackconv.MemberDirectory      = (*slackconv.SlackMembers)(nil)
	_ slackconv.ChannelFinder        = slackconv.SlackChannels{}
	_ slackconv.SelfIdentifier       = (*slack.Client)(nil)
	_ slackconv.CSMFinder            = (*store.Store)(nil)
)

func (b conversationBridge) Link(ctx context.Context, channelID, accountRef string) (slackconv.ChannelLink, error) {
	l, err := b.rec.Link(ctx, channelID, accountRef)
	return channelLink(l), err
}

func (b conversationBridge) Unlink(ctx context.Context, channelID string) (bool, error) {
	ok, err := b.rec.Unlink(ctx, channelID)
	return ok, err
}

func (b conversationBridge) Linked(ctx context.Context, channelID string) (slackconv.ChannelLink, bool, error) {
	l, ok, err := b.rec.Linked(ctx, channelID)
	return channelLink(l), ok, err
}

func (b conversationBridge) Record(ctx context.Context, m slackconv.ConversationMessage) (bool, error) {
	ok, err := b.rec.Record(ctx, conversations.Message{ChannelID: m.ChannelID, UserID: m.UserID, FromTeam: m.FromTeam, TS: m.TS, Text: m.Text})
	return ok, err
}

func channelLink(l conversations.Link) slackconv.ChannelLink {
	return slackconv.ChannelLink{ChannelID: l.ChannelID, AccountExternalID: l.AccountExternalID, AccountName: l.AccountName}
}
