// Package harness runs healthbot's real Slack plumbing — HTTP transport
// with signature checks, router, runner, responder — against bottest's
// fake Slack and response_url catcher, for end-to-end tests of handlers
// from outside package bot:
//
//	h := harness.New(t, func(r *bot.Router) { r.Command("/health", myHandler) })
//	code, _ := h.Command(t, "acme", "card")        // a signed /health acme
//	post := h.Hooks.WaitFor(t, "card")              // the answer at its response_url
//
// (It lives apart from bottest because bottest must not import bot, whose
// own tests use bottest.)
package harness

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
)

// Secret is the signing secret the harness's transport checks.
const Secret = "harness-signing-secret"

// Harness is a running bot HTTP endpoint with its fakes.
type Harness struct {
	URL    string // base URL of /slack/*
	Router *bot.Router
	API    *slack.Client // pointed at Slack
	Slack  *bottest.Slack
	Hooks  *bottest.Catcher
	Now    func() time.Time // the clock requests are signed and checked with
}

// New starts the transport with the handlers register adds; everything is
// shut down (jobs waited for) at the end of the test.
func New(t testing.TB, register func(r *bot.Router)) *Harness {
	t.Helper()
	h := &Harness{Slack: bottest.NewSlack(t, nil), Hooks: bottest.NewCatcher(t), Now: time.Now}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(testWriter{t}, nil))
	}
	h.API = bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-harness", APIURL: h.Slack.APIURL()}, log)
	h.Router = bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(h.API, nil, nil, log)})
	if register != nil {
		register(h.Router)
	}
	mux := http.NewServeMux()
	bot.NewHTTPTransport(h.Router, Secret, bot.HTTPOptions{Logger: log}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		if err := h.Router.Close(ctx); err != nil {
			t.Errorf("harness: %v", err)
		}
	})
	h.URL = srv.URL
	return h
}

// Post sends body to path ("/slack/commands", …) signed as Slack would,
// and returns the status and body of the acknowledgement.
func (h *Harness) Post(t testing.TB, path, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, h.URL+path, Secret, h.Now(), contentType, body))
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("harness: %v", err)
	}
	return resp.StatusCode, string(out)
}

// Command sends "/health text" from user U1 in C1 with a response_url
// named hook on the catcher.
func (h *Harness) Command(t testing.TB, text, hook string) (int, string) {
	t.Helper()
	return h.Post(t, "/slack/commands", bottest.FormContent, bottest.CommandBody(bottest.Command(text, h.Hooks.URL(hook))))
}

// Interaction sends an interactivity payload (a click, a modal submission).
func (h *Harness) Interaction(t testing.TB, cb slack.InteractionCallback) (int, string) {
	t.Helper()
	return h.Post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
}

// Event sends an Events API callback wrapping inner.
func (h *Harness) Event(t testing.TB, eventID string, inner any) (int, string) {
	t.Helper()
	return h.Post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, eventID, inner))
}

// Idle waits until every handler started so far has answered.
func (h *Harness) Idle(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	if err := h.Router.Idle(ctx); err != nil {
		t.Fatalf("harness: handlers still running after %s", bottest.Timeout)
	}
}

// testWriter sends log lines to t.Log under -v.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(p))
	return len(p), nil
}
