package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/healthbot/healthbot/bot/chat"
	"github.com/slack-go/slack"
)

// chatPoster is the part of the Slack Web API replies need; *slack.Client
// has it.
type chatPoster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
}

var _ chatPoster = (*slack.Client)(nil)

// SlackResponder delivers a handler's Message to Slack: through the
// request's response_url while it has uses left, otherwise through
// chat.postMessage / chat.postEphemeral. 429s are retried after Retry-After.
type SlackResponder struct {
	chat  chatPoster
	http  *http.Client
	urls  *responseURLs
	retry chat.RateLimitRetrier
	log   *slog.Logger
}

// NewSlackResponder builds a responder; httpClient posts to response_urls
// (nil means one with a 30-second timeout and pooled connections), now drives the 30-minute
// response_url life (nil means time.Now).
func NewSlackResponder(poster chatPoster, httpClient *http.Client, now func() time.Time, log *slog.Logger) *SlackResponder {
	if httpClient == nil {
		httpClient = newHTTPClient()
	}
	if now == nil {
		now = time.Now
	}
	return &SlackResponder{chat: poster, http: httpClient, urls: newResponseURLs(now), retry: chat.RateLimitRetrier{Log: log}, log: log}
}

// Received starts the response_url clock for req; the router calls it when
// the request arrives.
func (s *SlackResponder) Received(req Request) { s.urls.received(req.ResponseURL) }

// Respond sends msg as the answer to req.
//
//   - With a usable response_url: posted there, honouring InChannel,
//     ReplaceOriginal and DeleteOriginal.
//   - With a spent one: chat.postEphemeral to the asker (chat.postMessage if
//     InChannel) in req's channel.
//   - Without one (mentions, DMs, modals): chat.postMessage to req's channel,
//     or the asker's DM, in req.ThreadTS's thread when set; chat.postEphemeral
//     to the asker when msg is Ephemeral.
func (s *SlackResponder) Respond(ctx context.Context, req Request, msg Message) error {
	err := s.deliver(ctx, req, msg)
	if len(msg.Fallback) > 0 && refusedBlocks(err) {
		s.log.WarnContext(ctx, "Slack refused the message's blocks; sending the fallback", "user", req.UserID, "err", err)
		msg.Blocks, msg.Fallback = msg.Fallback, nil
		return s.deliver(ctx, req, msg)
	}
	return err
}

// refusedBlocks reports whether Slack rejected a message for its content:
// invalid_blocks from the Web API, or 400 from a response_url (which
// answers in a body slack-go does not read).
func refusedBlocks(err error) bool {
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	return errors.As(err, &se) && se.Err == "invalid_blocks" || errors.As(err, &sc) && sc.Code == http.StatusBadRequest
}

// deliver sends msg once by the best route (see Respond).
func (s *SlackResponder) deliver(ctx context.Context, req Request, msg Message) error {
	if req.ResponseURL != "" {
		err := s.urls.use(req.ResponseURL)
		if err == nil {
			return s.retry.Do(ctx, func(ctx context.Context) error {
				return slack.PostWebhookCustomHTTPContext(ctx, req.ResponseURL, s.http, webhookMessage(msg))
			})
		}
		if !errors.Is(err, ErrResponseURLSpent) {
			return err
		}
		s.log.Debug("response_url spent; answering through the Web API", "user", req.UserID, "channel", req.ChannelID)
		if !msg.InChannel {
			return s.postEphemeral(ctx, req, msg)
		}
	}
	if msg.Ephemeral && !msg.InChannel && req.ChannelID != "" && req.UserID != "" {
		return s.postEphemeral(ctx, req, msg)
	}
	return s.postMessage(ctx, req, msg)
}

func (s *SlackResponder) postMessage(ctx context.Context, req Request, msg Message) error {
	channel := req.ChannelID
	if channel == "" {
		channel = req.UserID // posting to a user ID lands in the app's DM with them
	}
	if channel == "" {
		return errors.New("bot: nowhere to answer: no response_url, channel or user")
	}
	return s.retry.Do(ctx, func(ctx context.Context) error {
		_, _, err := s.chat.PostMessageContext(ctx, channel, chat.MsgOptions(msg, req.ThreadTS)...)
		return err
	})
}

func (s *SlackResponder) postEphemeral(ctx context.Context, req Request, msg Message) error {
	if req.ChannelID == "" || req.UserID == "" {
		return fmt.Errorf("bot: response_url spent and no channel/user to answer ephemerally: %w", ErrResponseURLSpent)
	}
	return s.retry.Do(ctx, func(ctx context.Context) error {
		_, err := s.chat.PostEphemeralContext(ctx, req.ChannelID, req.UserID, chat.MsgOptions(msg, req.ThreadTS)...)
		return err
	})
}

// webhookMessage is msg in response_url form.
func webhookMessage(msg Message) *slack.WebhookMessage {
	w := &slack.WebhookMessage{
		Text:            msg.Text,
		ResponseType:    slack.ResponseTypeEphemeral,
		ReplaceOriginal: msg.ReplaceOriginal,
		DeleteOriginal:  msg.DeleteOriginal,
	}
	if msg.InChannel {
		w.ResponseType = slack.ResponseTypeInChannel
	}
	if len(msg.Blocks) > 0 {
		w.Blocks = &slack.Blocks{BlockSet: msg.Blocks}
	}
	return w
}
