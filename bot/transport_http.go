package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// DefaultMaxBody bounds a Slack request body; interaction payloads carrying
// a whole modal stay far below it.
const DefaultMaxBody = 1 << 20

// HTTPTransport receives Slack's requests on /slack/commands,
// /slack/interactivity and /slack/events, checks their signatures and hands
// them to the Router, answering within Slack's 3 seconds.
type HTTPTransport struct {
	router   *Router
	verifier Verifier
	maxBody  int64
	log      *slog.Logger
}

// HTTPOptions configures NewHTTPTransport; zero values take defaults.
type HTTPOptions struct {
	Now     func() time.Time // signature clock (time.Now)
	MaxBody int64            // bytes (DefaultMaxBody)
	Logger  *slog.Logger
}

// NewHTTPTransport verifies requests with signingSecret and routes them to router.
func NewHTTPTransport(router *Router, signingSecret string, opts HTTPOptions) *HTTPTransport {
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.Logger == nil {
		opts.Logger = router.log
	}
	return &HTTPTransport{
		router:   router,
		verifier: Verifier{Secret: signingSecret, Now: opts.Now},
		maxBody:  opts.MaxBody,
		log:      opts.Logger,
	}
}

// Mount adds the three Slack endpoints to mux.
func (t *HTTPTransport) Mount(mux *http.ServeMux) {
	mux.Handle("POST /slack/commands", t.verified(t.commands))
	mux.Handle("POST /slack/interactivity", t.verified(t.interactivity))
	mux.Handle("POST /slack/events", t.verified(t.events))
}

// verified reads the body (bounded) and passes it on only when Slack's
// signature over it checks out; otherwise 401 (413 when too large).
func (t *HTTPTransport) verified(next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
		if err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "could not read request body", http.StatusBadRequest)
			return
		}
		if err := t.verifier.Verify(r.Header, body); err != nil {
			t.log.Warn("slack request rejected", "path", r.URL.Path, "remote", r.RemoteAddr, "reason", err)
			http.Error(w, "invalid Slack signature", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

// commands handles a slash command.
func (t *HTTPTransport) commands(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Form, r.PostForm = nil, nil
	cmd, err := slack.SlashCommandParse(r)
	if err == nil && r.PostForm.Get("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK) // Slack checking our certificate
		return
	}
	if err != nil || cmd.Command == "" {
		http.Error(w, "malformed slash command", http.StatusBadRequest)
		return
	}
	d := t.router.SlashCommand(cmd)
	writeAck(w, d.Ack)
	d.Start()
}

// interactivity handles block_actions, view_submission and view_closed.
func (t *HTTPTransport) interactivity(w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.Form, r.PostForm = nil, nil
	cb, err := slack.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, "malformed interaction payload", http.StatusBadRequest)
		return
	}
	d := t.router.Interaction(cb)
	writeAck(w, d.Ack) // an empty 200, or a submission's field errors
	d.Start()
}

// events handles the Events API: the url_verification handshake, and
// event callbacks (a retry of an event already taken is answered 200 and
// dropped by the router; when the bot is too busy, 503 asks for a retry).
func (t *HTTPTransport) events(w http.ResponseWriter, r *http.Request, body []byte) {
	ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
	if err != nil {
		// Slack keeps retrying what we fail, so an event we cannot parse
		// (a type slack-go does not know) is acknowledged and logged.
		t.log.Debug("events API payload not parsed", "err", err)
		w.WriteHeader(http.StatusOK)
		return
	}
	if ev.Type == slackevents.URLVerification {
		uv, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if !ok {
			http.Error(w, "malformed url_verification", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"challenge": uv.Challenge})
		return
	}
	if n := r.Header.Get("X-Slack-Retry-Num"); n != "" {
		t.log.Debug("slack event retry", "retry", n, "reason", r.Header.Get("X-Slack-Retry-Reason"))
	}
	d := t.router.EventsAPI(ev)
	if d.Busy {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
	d.Start()
}

// writeAck answers a slash command (empty, or an ephemeral text) or an
// interaction (empty, or a view submission's field errors).
func writeAck(w http.ResponseWriter, ack Ack) {
	if ackPayload(ack) == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(ackPayload(ack))
}

// ackPayload is ack as Slack reads it, over HTTP or Socket Mode.
func ackPayload(ack Ack) any {
	if len(ack.Errors) > 0 {
		return map[string]any{"response_action": "errors", "errors": ack.Errors}
	}
	if ack.Text == "" {
		return nil
	}
	return map[string]string{"response_type": slack.ResponseTypeEphemeral, "text": ack.Text}
}
