package bot

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// newTestClock is the clock shared by the verifier, the responder and the
// router.
func newTestClock() *bottest.Clock {
	return bottest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
}

// syncBuffer collects log output written from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// bundle is everything around the HTTP transport under test.
type bundle struct {
	base   string // the bot's base URL
	router *Router
	slack  *bottest.Slack
	hooks  *bottest.Catcher
	clock  *bottest.Clock
	logs   *syncBuffer
}

// setup serves the HTTP transport on loopback, wired to a fake Slack and a
// response_url catcher, with a router that has no handlers yet.
func setup(t testing.TB, mutate ...func(*RouterOptions)) bundle {
	t.Helper()
	b := bundle{slack: bottest.NewSlack(t, nil), hooks: bottest.NewCatcher(t), clock: newTestClock(), logs: &syncBuffer{}}
	log := slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	api := NewSlackClient(SlackConfig{BotToken: "xoxb-test", APIURL: b.slack.APIURL()}, log)
	opts := RouterOptions{Logger: log, Responder: NewSlackResponder(api, nil, b.clock.Now, log), Now: b.clock.Now}
	for _, m := range mutate {
		m(&opts)
	}
	b.router = NewRouter(opts)
	mux := http.NewServeMux()
	NewHTTPTransport(b.router, testSecret, HTTPOptions{Now: b.clock.Now}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		require.NoError(t, b.router.Close(ctx))
	})
	b.base = srv.URL
	return b
}

// post sends body to path signed with the test secret at the test clock's now.
func (b bundle) post(t testing.TB, path, contentType string, body []byte) (int, string) {
	t.Helper()
	return b.send(t, bottest.SignedRequest(t, b.base+path, testSecret, b.clock.Now(), contentType, body))
}

func (b bundle) send(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}

// command posts a signed /health command whose response_url is the catcher's hook.
func (b bundle) command(t testing.TB, text, hook string) (int, string) {
	t.Helper()
	return b.post(t, "/slack/commands", bottest.FormContent, bottest.CommandBody(bottest.Command(text, b.hooks.URL(hook))))
}

// echo answers a command with its own text, ephemerally.
var echo = CommandFunc(func(_ context.Context, req Request) (Message, error) {
	return Message{Text: "you said: " + req.Text}, nil
})

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
