package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/internal/safely"
	"github.com/prometheus/client_golang/prometheus"
)

// Responder delivers a handler's answer: SlackResponder in production, a
// recorder in tests, a printer in the console.
type Responder interface {
	Respond(ctx context.Context, req Request, msg Message) error
}

// noResponder stands in when a Router is built without one: answers are
// reported as undeliverable rather than crashing the job.
type noResponder struct{}

func (noResponder) Respond(context.Context, Request, Message) error {
	return errors.New("bot: router has no Responder; answer dropped")
}

// responseClock is implemented by responders that count response_url uses
// from the moment Slack sent the URL.
type responseClock interface{ Received(req Request) }

// RouterOptions configures NewRouter; zero values take defaults.
type RouterOptions struct {
	Logger      *slog.Logger
	Responder   Responder
	MaxInFlight int                   // jobs reserved or running at once (DefaultMaxInFlight)
	JobTimeout  time.Duration         // per job (DefaultJobTimeout)
	Now         func() time.Time      // clock for event de-duplication (time.Now)
	Registerer  prometheus.Registerer // where to register metrics; nil: none
	// Access decides who may see account data before any handler runs
	// (bot/access); nil lets everyone through (tests of single handlers).
	Access *access.Gate
}

// Router is the one place every transport hands Slack's requests to. It
// picks the registered handler, answers Slack at once (see Dispatch), runs
// the handler in its Runner and delivers the Message through its Responder.
//
// Register handlers while wiring, before the transports start; registering
// twice for the same key panics, like http.ServeMux.
type Router struct {
	log     *slog.Logger
	respond Responder
	runner  *Runner
	seen    *eventIDs
	metrics *routerMetrics
	access  *access.Gate

	mu           sync.RWMutex
	commands     map[string]CommandHandler
	actions      []actionRoute // longest prefix first
	submissions  map[string]ActionHandler
	checks       map[string]SubmissionCheck
	closings     map[string]ActionHandler
	events       map[string]EventHandler
	conversation CommandHandler
}

type actionRoute struct {
	prefix string
	h      ActionHandler
}

// NewRouter makes an empty Router.
func NewRouter(opts RouterOptions) *Router {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	respond := opts.Responder
	if respond == nil {
		respond = noResponder{}
	}
	runner := NewRunner(log, opts.MaxInFlight, opts.JobTimeout)
	return &Router{
		log:         log,
		respond:     respond,
		runner:      runner,
		seen:        newEventIDs(now),
		metrics:     newRouterMetrics(opts.Registerer, runner),
		access:      opts.Access,
		commands:    make(map[string]CommandHandler),
		submissions: make(map[string]ActionHandler),
		checks:      make(map[string]SubmissionCheck),
		closings:    make(map[string]ActionHandler),
		events:      make(map[string]EventHandler),
	}
}

// Command routes slash command name (e.g. "/health") to h.
func (r *Router) Command(name string, h CommandHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	register(r.commands, "command", name, h)
}

// Action routes block_actions whose action_id starts with prefix to h; the
// longest matching prefix wins, so "pulse:" and "pulse:note" can coexist.
func (r *Router) Action(prefix string, h ActionHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, a := range r.actions {
		if a.prefix == prefix {
			panic(fmt.Sprintf("bot: action prefix %q registered twice", prefix))
		}
	}
	if prefix == "" || h == nil {
		panic("bot: action route needs a prefix and a handler")
	}
	r.actions = append(r.actions, actionRoute{prefix, h})
	sort.SliceStable(r.actions, func(i, j int) bool { return len(r.actions[i].prefix) > len(r.actions[j].prefix) })
}

// ViewSubmission routes a modal's submission (by the view's callback_id) to
// h. Slack is answered with an empty 200, which closes the modal; h runs
// afterwards. Action.Value carries the view's private_metadata.
func (r *Router) ViewSubmission(callbackID string, h ActionHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	register(r.submissions, "view submission", callbackID, h)
}

// SubmissionCheck is chat.SubmissionCheck.
type SubmissionCheck = chat.SubmissionCheck

// CheckViewSubmission makes the submissions of callbackID pass check first:
// a submission it rejects keeps the modal open with the errors and never
// reaches the handler (https://docs.slack.dev/surfaces/modals#displaying_errors).
func (r *Router) CheckViewSubmission(callbackID string, check SubmissionCheck) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.checks[callbackID]; dup || check == nil {
		panic(fmt.Sprintf("bot: view submission check %q registered twice or nil", callbackID))
	}
	r.checks[callbackID] = check
}

// ViewClosed routes view_closed (modals opened with notify_on_close) to h.
func (r *Router) ViewClosed(callbackID string, h ActionHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	register(r.closings, "view closed", callbackID, h)
}

// Conversation routes app mentions and direct messages to h, as Requests
// with an empty Command; answers are posted in the thread of a mention, or
// in the DM.
func (r *Router) Conversation(h CommandHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conversation != nil || h == nil {
		panic("bot: conversation handler registered twice or nil")
	}
	r.conversation = h
}

// Event routes Events API events of eventType ("app_home_opened",
// "message" for channel messages, …) to h.
func (r *Router) Event(eventType string, h EventHandler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	register(r.events, "event", eventType, h)
}

func register[H any](m map[string]H, what, key string, h H) {
	if key == "" {
		panic("bot: " + what + " route needs a name")
	}
	if _, dup := m[key]; dup {
		panic(fmt.Sprintf("bot: %s %q registered twice", what, key))
	}
	m[key] = h
}

// Idle waits until every handler started so far has finished (and its
// answer was delivered); for tests and the console.
func (r *Router) Idle(ctx context.Context) error { return r.runner.Idle(ctx) }

// Close stops taking work and waits for the jobs in flight, until ctx ends.
func (r *Router) Close(ctx context.Context) error { return r.runner.Wait(ctx) }

// Ack is what a transport answers Slack at once. An empty Ack is an empty
// 200; Text becomes an ephemeral reply to a slash command.
type Ack struct {
	Text string
	// Errors, for a view submission, keeps the modal open and shows each
	// message under its input block (block_id → message).
	Errors map[string]string
}

// Dispatch is a routing decision: what to answer Slack now, and the work to
// Start once that answer is on its way. Busy means the runner was full and
// nothing will run; for events, Slack should be asked to retry.
type Dispatch struct {
	Ack   Ack
	Busy  bool
	start func()
}

// Start launches the handler, if any. Transports call it right after the
// acknowledgement, exactly once.
func (d Dispatch) Start() {
	if d.start != nil {
		d.start()
	}
}

// dispatch reserves a runner slot for job, so the ack can say "busy"
// before anything runs.
func (r *Router) dispatch(name string, job func(ctx context.Context)) Dispatch {
	slot, err := r.runner.Reserve()
	if err != nil {
		r.metrics.refused.Inc()
		r.log.Warn("slack work refused", "job", name, "err", err, "in_flight", r.runner.InFlight())
		return Dispatch{Busy: true}
	}
	return Dispatch{start: func() { slot.Go(name, job) }}
}

// received starts req's response_url clock.
func (r *Router) received(req Request) {
	if c, ok := r.respond.(responseClock); ok && req.ResponseURL != "" {
		c.Received(req)
	}
}

// lateReplyTimeout bounds delivering the "that took too long" answer of a
// job that used up its own time.
const lateReplyTimeout = 10 * time.Second

// answer asks the Gate whether req's caller may see account data, runs the
// handler if so and delivers its Message (or a user-safe failure text with
// the detail logged); a refused caller gets the refusal instead.
func (r *Router) answer(ctx context.Context, kind string, surface access.Surface, req Request, call func(context.Context) (Message, error)) {
	ctx, state, ok := r.admit(ctx, kind, surface, req)
	if !ok {
		return
	}
	start := time.Now()
	var msg Message
	err := safely.Call(func() (err error) {
		msg, err = call(ctx)
		return err
	})
	if err != nil {
		msg = r.failed(kind, req, err)
	} else {
		r.metrics.handled.WithLabelValues(kind, "ok").Inc()
		r.log.Debug("slack request answered", "kind", kind, "command", req.Command, "user", req.UserID, "elapsed", time.Since(start))
	}
	shown := true
	if msg.InChannel {
		msg, shown = r.publicly(ctx, surface, req, msg)
	}
	if shown {
		r.audited(ctx, surface, req, state)
	}
	if msg.Text == "" && len(msg.Blocks) == 0 && !msg.DeleteOriginal {
		return // the handler answered by itself (chat.update, views.open, …)
	}
	if ctx.Err() != nil {
		// The job ran out of time; the user still hears so.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), lateReplyTimeout)
		defer cancel()
	}
	if err := r.respond.Respond(ctx, req, msg); err != nil {
		r.log.Error("slack reply failed", "kind", kind, "command", req.Command, "user", req.UserID, "channel", req.ChannelID, "err", err)
	}
}

// failed logs a handler's error and returns what the user should see.
func (r *Router) failed(kind string, req Request, err error) Message {
	msg, ours := failureMessage(err)
	// Ids and the command only: the text is the user's (DMs, pulse notes).
	attrs := []any{"kind", kind, "command", req.Command, "user", req.UserID, "team", req.TeamID, "channel", req.ChannelID, "err", err}
	if p, ok := errors.AsType[*safely.PanicError](err); ok {
		attrs = append(attrs, "stack", string(p.Stack))
	}
	attrs = append(attrs, "code", healthbot.ErrorCode(err))
	if ours {
		r.metrics.handled.WithLabelValues(kind, "failed").Inc()
		r.log.Error("slack handler failed", attrs...)
	} else {
		r.metrics.handled.WithLabelValues(kind, "declined").Inc()
		r.log.Info("slack handler declined", attrs...)
	}
	return msg
}

func (r *Router) command(name string) (CommandHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.commands[name]
	return h, ok
}

func (r *Router) action(actionID string) (ActionHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, a := range r.actions {
		if strings.HasPrefix(actionID, a.prefix) {
			return a.h, true
		}
	}
	return nil, false
}

func (r *Router) view(m map[string]ActionHandler, callbackID string) (ActionHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := m[callbackID]
	return h, ok
}

func (r *Router) eventHandler(eventType string) (EventHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	h, ok := r.events[eventType]
	return h, ok
}

func (r *Router) conversationHandler() (CommandHandler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.conversation, r.conversation != nil
}
