package ask

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/health"
)

// ThinkingText is the status shown while the model works.
const ThinkingText = "_Thinking about your question…_"

// ChatAPI posts and edits messages; *slack.Client has it. It lets a
// mention or DM show "thinking…" in place and then become the answer.
type ChatAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
}

var _ ChatAPI = (*slack.Client)(nil)

// Handler is the health.Questioner the /health handler hands free text to —
// slash commands, mentions and DMs alike. While the model works it shows a
// status that the answer then replaces: for a slash command an ephemeral
// reply through response_url (the answer replaces it), for a mention or DM
// a message in the thread (updated into the answer).
type Handler struct {
	Asker *Asker
	// Respond sends the status of slash commands through response_url; nil
	// shows none. The router's bot.SlackResponder fits.
	Respond bot.Responder
	// Chat posts and updates the status of mentions and DMs; nil shows none.
	Chat ChatAPI
	// Assistant serves Slack's AI-app pane (suggested prompts, status,
	// title) and streams answers in DM threads; nil: neither (assistant.go).
	Assistant AssistantAPI
	// Store records assistant threads, answers and feedback votes; nil
	// records nothing and shows no feedback buttons.
	Store Records
	Now   func() time.Time // nil: time.Now
	Log   *slog.Logger
}

var _ health.Questioner = (*Handler)(nil)

// Ask answers req.Text for req.UserID. The built-in parser answers at
// once, so a status is only shown when a model is configured.
func (h *Handler) Ask(ctx context.Context, req bot.Request) (bot.Message, error) {
	q := Question{Text: req.Text, UserID: req.UserID}
	surface := surfaceOf(req)
	if h.Assistant != nil && req.ResponseURL == "" && isDM(req.ChannelID) {
		// In a DM thread every answer streams; a model's answer to a
		// top-level DM streams as a thread reply to it (a built-in answer
		// there is instant: posted in place).
		if req.ThreadTS != "" || (req.SentTS != "" && h.Asker.ModelEnabled()) {
			return h.askInThread(ctx, req, q)
		}
	}
	if !h.Asker.ModelEnabled() {
		return h.answer(ctx, req, surface, q)
	}
	switch {
	case req.ResponseURL != "" && h.Respond != nil:
		return h.askReplacing(ctx, req, surface, q)
	case req.ResponseURL == "" && req.ChannelID != "" && h.Chat != nil:
		return h.askInPlace(ctx, req, surface, q)
	}
	return h.answer(ctx, req, surface, q)
}

// answer answers q and records it, the message ending with feedback
// buttons.
func (h *Handler) answer(ctx context.Context, req bot.Request, surface string, q Question) (bot.Message, error) {
	res, err := h.Asker.AnswerResult(ctx, q)
	if err != nil {
		return bot.Message{}, err
	}
	return h.withFeedback(ctx, req, surface, q, res, false), nil
}

// askReplacing shows the status as an ephemeral reply and returns the
// answer (or the failure) set to replace it.
func (h *Handler) askReplacing(ctx context.Context, req bot.Request, surface string, q Question) (bot.Message, error) {
	if err := h.Respond.Respond(ctx, req, bot.Message{Text: ThinkingText}); err != nil {
		h.log().Warn("could not show the thinking status", "user", req.UserID, "err", err)
		return h.answer(ctx, req, surface, q)
	}
	msg, err := h.answer(ctx, req, surface, q)
	if err != nil {
		msg = failure(err)
	}
	msg.ReplaceOriginal = true
	return msg, nil
}

// askInPlace posts the status in the thread (or DM), then edits it into the
// answer; the router then has nothing left to send.
func (h *Handler) askInPlace(ctx context.Context, req bot.Request, surface string, q Question) (bot.Message, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(ThinkingText, false)}
	if req.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(req.ThreadTS))
	}
	channel, ts, err := h.Chat.PostMessageContext(ctx, req.ChannelID, opts...)
	if err != nil {
		h.log().Warn("could not show the thinking status", "user", req.UserID, "channel", req.ChannelID, "err", err)
		return h.answer(ctx, req, surface, q)
	}
	msg, err := h.answer(ctx, req, surface, q)
	if err != nil {
		msg = failure(err)
	}
	upd := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if len(msg.Blocks) > 0 {
		upd = append(upd, slack.MsgOptionBlocks(msg.Blocks...))
	}
	if _, _, _, uerr := h.Chat.UpdateMessageContext(ctx, channel, ts, upd...); uerr != nil {
		h.log().Warn("could not replace the thinking status; posting the answer", "channel", channel, "err", uerr)
		return msg, nil
	}
	return bot.Message{}, nil
}

// failure is what the user sees for an Answer error (which Answer has
// already logged).
func failure(err error) bot.Message { return bot.Message{Text: healthbot.ErrorMessage(err)} }

func (h *Handler) now() time.Time {
	if h.Now == nil {
		return time.Now()
	}
	return h.Now()
}

func (h *Handler) log() *slog.Logger {
	if h.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Log
}
