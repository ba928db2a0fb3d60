package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

// fakeAcker records Socket Mode acks.
type fakeAcker struct {
	AckCtxFunc func(ctx context.Context, envelopeID string, payload any) error
}

var _ acker = (*fakeAcker)(nil)

func (f *fakeAcker) AckCtx(ctx context.Context, envelopeID string, payload any) error {
	return f.AckCtxFunc(ctx, envelopeID, payload)
}

// ackLog is what the fake acker saw, in order.
type ackLog struct {
	mu   sync.Mutex
	ids  []string
	body map[string]any
}

func (a *ackLog) record(_ context.Context, id string, payload any) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.ids = append(a.ids, id)
	a.body[id] = payload
	return nil
}

func (a *ackLog) acked(id string) (any, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p, ok := a.body[id]
	return p, ok
}

// setupSocket builds a SocketTransport whose acks are recorded, routing to
// the same fake Slack and catcher as the HTTP tests; events are fed to
// handle directly, as socketmode.Client would deliver them.
func setupSocket(t *testing.T, mutate ...func(*RouterOptions)) (*SocketTransport, bundle, *ackLog) {
	t.Helper()
	b := setup(t, mutate...)
	acks := &ackLog{body: map[string]any{}}
	st := &SocketTransport{ack: &fakeAcker{AckCtxFunc: acks.record}, router: b.router, log: slog.New(slog.NewTextHandler(b.logs, nil))}
	return st, b, acks
}

func envelope(typ socketmode.EventType, id string, data any) socketmode.Event {
	return socketmode.Event{Type: typ, Data: data, Request: &socketmode.Request{Type: string(typ), EnvelopeID: id}}
}

func TestSocketSlashCommandAcksThenAnswers(t *testing.T) {
	t.Parallel()
	st, b, acks := setupSocket(t)
	b.router.Command("/health", echo)
	st.handle(context.Background(), envelope(socketmode.EventTypeSlashCommand, "e1", bottest.Command("acme", b.hooks.URL("s1"))))
	payload, ok := acks.acked("e1")
	require.True(t, ok)
	require.Nil(t, payload, "an empty ack")
	require.Equal(t, "you said: acme", b.hooks.WaitFor(t, "s1").Message.Text)

	st.handle(context.Background(), envelope(socketmode.EventTypeSlashCommand, "e2", slack.SlashCommand{Command: "/other", UserID: "U1"}))
	payload, _ = acks.acked("e2")
	require.Equal(t, map[string]string{"response_type": "ephemeral", "text": "healthbot does not handle /other yet."}, payload)
}

func TestSocketEventIsAckedBeforeItsHandlerRuns(t *testing.T) {
	t.Parallel()
	st, b, acks := setupSocket(t)
	ackedFirst := make(chan bool, 1)
	b.router.Conversation(CommandFunc(func(context.Context, Request) (Message, error) {
		_, ok := acks.acked("e3")
		ackedFirst <- ok
		return Message{}, nil
	}))
	ev := parseEvent(t, bottest.EventBody(t, "Ev10", map[string]any{"type": "app_mention", "user": "U1", "text": "<@UBOT> acme", "channel": "C1", "ts": "1.1"}))
	st.handle(context.Background(), envelope(socketmode.EventTypeEventsAPI, "e3", ev))
	require.True(t, <-ackedFirst)
}

func TestSocketInteractionRoutesAndAcksEmpty(t *testing.T) {
	t.Parallel()
	st, b, acks := setupSocket(t)
	b.router.Action("card:share", ActionFunc(func(_ context.Context, act Action) (Message, error) {
		return Message{Text: "shared " + act.Value, InChannel: true}, nil
	}))
	st.handle(context.Background(), envelope(socketmode.EventTypeInteractive, "e4", blockAction("card:share", "acme", b.hooks.URL("i1"))))
	payload, ok := acks.acked("e4")
	require.True(t, ok)
	require.Nil(t, payload)
	require.Equal(t, "shared acme", b.hooks.WaitFor(t, "i1").Message.Text)
}

func TestSocketMalformedEnvelopesAreAckedAndLogged(t *testing.T) {
	t.Parallel()
	st, b, acks := setupSocket(t)
	for i, typ := range []socketmode.EventType{socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI} {
		id := string(rune('a' + i))
		st.handle(context.Background(), envelope(typ, id, "not the payload type"))
		_, ok := acks.acked(id)
		require.True(t, ok, "%s acked anyway so Slack does not redeliver it", typ)
	}
	st.handle(context.Background(), socketmode.Event{Type: socketmode.EventTypeConnected})
	require.Contains(t, b.logs.String(), "data_type=string")
}

func parseEvent(t *testing.T, body []byte) slackevents.EventsAPIEvent {
	t.Helper()
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	require.NoError(t, err)
	return ev
}

// TestSocketModeEndToEnd connects over a real WebSocket to the fake
// Slack's Socket Mode endpoint, as the production client would.
func TestSocketModeEndToEnd(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.router.Command("/health", echo)
	b.router.Conversation(echo)
	api := NewSlackClient(SlackConfig{BotToken: "xoxb-test", AppToken: "xapp-test", APIURL: b.slack.APIURL()}, discardLogger())
	st := NewSocketTransport(api, b.router, discardLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- st.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})

	conn := b.slack.Socket(t)
	require.Equal(t, "xapp-test", b.slack.Calls("apps.connections.open")[0].Token())

	id := conn.Send(t, "slash_commands", bottest.Command("acme", b.hooks.URL("ws1")))
	require.Empty(t, conn.WaitAck(t, id))
	require.Equal(t, "you said: acme", b.hooks.WaitFor(t, "ws1").Message.Text)

	var mention map[string]any
	require.NoError(t, json.Unmarshal(bottest.EventBody(t, "Ev20", map[string]any{
		"type": "app_mention", "user": "U1", "text": "<@UBOT> renewals", "channel": "C3", "ts": "2.2",
	}), &mention))
	id = conn.Send(t, "events_api", mention)
	conn.WaitAck(t, id)
	call := b.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, "you said: renewals", call.Param("text"))
	require.Equal(t, "2.2", call.Param("thread_ts"))
}

// Socket Mode acknowledged an event, then dropped it when the runner was
// full, so Slack never sent it again. A busy bot leaves it unacknowledged:
// Slack's redelivery is taken once there is room.
func TestSocketBusyEventIsNotAckedSoSlackRetries(t *testing.T) {
	t.Parallel()
	st, b, acks := setupSocket(t, func(o *RouterOptions) { o.MaxInFlight = 1 })
	release, started := make(chan struct{}), make(chan struct{})
	b.router.Command("/health", CommandFunc(func(context.Context, Request) (Message, error) {
		close(started)
		<-release
		return Message{Text: "done"}, nil
	}))
	handled := make(chan struct{}, 1)
	b.router.Event("app_home_opened", EventFunc(func(context.Context, Event) error { handled <- struct{}{}; return nil }))
	st.handle(context.Background(), envelope(socketmode.EventTypeSlashCommand, "c1", bottest.Command("slow", b.hooks.URL("slow"))))
	<-started

	ev := parseEvent(t, bottest.EventBody(t, "Ev20", map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"}))
	st.handle(context.Background(), envelope(socketmode.EventTypeEventsAPI, "busy1", ev))
	_, acked := acks.acked("busy1")
	require.False(t, acked, "not acknowledged while busy")
	require.Contains(t, b.logs.String(), "event not acknowledged, so Slack delivers it again")

	close(release)
	b.hooks.WaitFor(t, "slow")
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, b.router.Idle(ctx))
	retry := envelope(socketmode.EventTypeEventsAPI, "busy2", ev)
	retry.Request.RetryAttempt = 1
	st.handle(context.Background(), retry)
	_, acked = acks.acked("busy2")
	require.True(t, acked)
	select {
	case <-handled:
	case <-ctx.Done():
		t.Fatal("the redelivered event was not handled")
	}
}
