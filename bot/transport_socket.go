package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges a Socket Mode envelope; *socketmode.Client is one.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

var _ acker = (*socketmode.Client)(nil)

// SocketTransport receives Slack's requests over a Socket Mode WebSocket
// (no public URL needed), acknowledges each envelope and hands it to the
// same Router the HTTP transport uses.
type SocketTransport struct {
	client *socketmode.Client
	ack    acker
	router *Router
	log    *slog.Logger
}

// NewSocketTransport makes a transport over api, which must carry the app
// token (SlackConfig.AppToken).
func NewSocketTransport(api *slack.Client, router *Router, log *slog.Logger) *SocketTransport {
	client := socketmode.New(api, socketmode.OptionLog(slogOutput{log: log.With("component", "socketmode")}))
	return &SocketTransport{client: client, ack: client, router: router, log: log}
}

// Run connects and serves until ctx ends (nil then) or the connection
// fails for good, e.g. a revoked app token.
func (t *SocketTransport) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- t.client.RunContext(ctx) }()
	for {
		select {
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return err
		case evt, ok := <-t.client.Events:
			if !ok {
				return <-errc
			}
			t.handle(ctx, evt)
		}
	}
}

// handle acknowledges and routes one Socket Mode event; connection events
// are only logged.
func (t *SocketTransport) handle(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeSlashCommand:
		t.slashCommand(ctx, evt)
	case socketmode.EventTypeInteractive:
		t.interactive(ctx, evt)
	case socketmode.EventTypeEventsAPI:
		t.eventsAPI(ctx, evt)
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		t.log.Debug("socket mode", "event", evt.Type)
	case socketmode.EventTypeConnecting, socketmode.EventTypeDisconnect:
		t.log.Info("socket mode", "event", evt.Type)
	case socketmode.EventTypeConnectionError:
		if ctx.Err() != nil {
			return // shutting down: the reconnect attempt was cancelled
		}
		t.log.Warn("socket mode: connection failed; retrying", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		t.log.Error("socket mode: Slack rejected SLACK_APP_TOKEN", "event", evt.Type)
	default:
		t.log.Warn("socket mode", "event", evt.Type, "data", evt.Data)
	}
}

func (t *SocketTransport) slashCommand(ctx context.Context, evt socketmode.Event) {
	cmd, ok := evt.Data.(slack.SlashCommand)
	if !ok {
		t.acknowledge(ctx, evt, nil)
		t.log.Warn("socket mode: slash command envelope without a command", "data_type", typeName(evt.Data))
		return
	}
	d := t.router.SlashCommand(cmd)
	t.acknowledge(ctx, evt, ackPayload(d.Ack))
	d.Start()
}

func (t *SocketTransport) interactive(ctx context.Context, evt socketmode.Event) {
	cb, ok := evt.Data.(slack.InteractionCallback)
	if !ok {
		t.acknowledge(ctx, evt, nil)
		t.log.Warn("socket mode: interactive envelope without a payload", "data_type", typeName(evt.Data))
		return
	}
	d := t.router.Interaction(cb)
	t.acknowledge(ctx, evt, ackPayload(d.Ack))
	d.Start()
}

// eventsAPI acknowledges first: an event carries nothing to answer with.
func (t *SocketTransport) eventsAPI(ctx context.Context, evt socketmode.Event) {
	t.acknowledge(ctx, evt, nil)
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		t.log.Warn("socket mode: events envelope without an event", "data_type", typeName(evt.Data))
		return
	}
	if evt.Request != nil && evt.Request.RetryAttempt > 0 {
		t.log.Debug("slack event retry", "retry", evt.Request.RetryAttempt, "reason", evt.Request.RetryReason)
	}
	d := t.router.EventsAPI(ev)
	if d.Busy {
		t.log.Warn("socket mode: event dropped, bot busy", "type", ev.InnerEvent.Type)
	}
	d.Start()
}

// acknowledge tells Slack the envelope arrived, with payload as the answer
// (a slash command's ephemeral text) when there is one.
func (t *SocketTransport) acknowledge(ctx context.Context, evt socketmode.Event, payload any) {
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	if err := t.ack.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil && !errors.Is(err, context.Canceled) {
		t.log.Warn("socket mode: ack failed", "envelope", evt.Request.EnvelopeID, "err", err)
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
