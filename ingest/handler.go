// Package ingest is healthbot's HTTP intake: REST batches of accounts,
// signals and pulses, and a Segment-compatible endpoint, so the analytics
// library or webhook a company already has can feed health signals unchanged.
package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/internal/safely"
	"github.com/healthbot/healthbot/store"
)

// Config wires the intake to its store, logger and metrics registry.
type Config struct {
	Store    *store.Store
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Now      func() time.Time // defaults to time.Now
	Limits   Limits           // zero fields take DefaultLimits
	// SignalKinds are the value ranges of signals of a known kind, asked
	// for each request so a newly approved scorecard applies at once
	// (serve reads the scorecards in force); nil: the built-in catalog's.
	SignalKinds func(ctx context.Context) (valid.Kinds, error)
}

// Handler serves every intake route under /v1/.
type Handler struct {
	store   *store.Store
	log     *slog.Logger
	now     func() time.Time
	limits  Limits
	kinds   func(ctx context.Context) (valid.Kinds, error)
	auth    *authenticator
	metrics *metrics
	mux     *http.ServeMux
}

// New builds the intake handler; mount it with mux.Handle("POST /v1/", h).
func New(cfg Config) (*Handler, error) {
	if cfg.Store == nil || cfg.Logger == nil || cfg.Registry == nil {
		return nil, fmt.Errorf("ingest: Store, Logger and Registry are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SignalKinds == nil {
		builtin := valid.BuiltinKinds()
		cfg.SignalKinds = func(context.Context) (valid.Kinds, error) { return builtin, nil }
	}
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, fmt.Errorf("ingest: register metrics: %w", err)
	}
	h := &Handler{
		store: cfg.Store, log: cfg.Logger, now: cfg.Now, limits: cfg.Limits.withDefaults(), kinds: cfg.SignalKinds,
		auth: newAuthenticator(cfg.Store, cfg.Now), metrics: m, mux: http.NewServeMux(),
	}
	h.routes()
	return h, nil
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.RESTBody > 0 {
		d.RESTBody = l.RESTBody
	}
	if l.RESTItems > 0 {
		d.RESTItems = l.RESTItems
	}
	if l.SegmentBatch > 0 {
		d.SegmentBatch = l.SegmentBatch
	}
	if l.SegmentEvent > 0 {
		d.SegmentEvent = l.SegmentEvent
	}
	return d
}

// endpoint is one intake route: how big its body may be, whether it speaks
// Segment (write key in the body allowed) and what it does with the body.
type endpoint struct {
	name    string
	maxBody int64
	segment bool
	scope   store.Scope // what a key must be allowed to call it
	serve   func(ctx context.Context, c *call) (any, *healthbot.Error)
}

// call is one authenticated request's body and logger; serve sets items
// for the request log.
type call struct {
	body  []byte
	log   *slog.Logger
	items int
}

func (h *Handler) routes() {
	rest := func(name string, serve func(context.Context, *call) (any, *healthbot.Error)) endpoint {
		return endpoint{name: name, maxBody: h.limits.RESTBody, scope: store.ScopeWrite, serve: serve}
	}
	seg := func(name string, max int64) endpoint {
		return endpoint{name: name, maxBody: max, segment: true, scope: store.ScopeEvents, serve: h.segment(name)}
	}
	for _, e := range []endpoint{
		rest("accounts", h.accounts),
		rest("signals", h.signals),
		rest("pulses", h.pulses),
		seg("batch", h.limits.SegmentBatch),
		seg("track", h.limits.SegmentEvent),
		seg("identify", h.limits.SegmentEvent),
		seg("group", h.limits.SegmentEvent),
		seg("page", h.limits.SegmentEvent),
		seg("screen", h.limits.SegmentEvent),
	} {
		h.mux.Handle("POST /v1/"+e.name, h.wrap(e))
	}
}

// ServeHTTP gives every request an id (X-Request-Id, taken from the client
// when sane), logs it and never lets a panic escape.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if !requestIDPattern.MatchString(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	log := h.log.With("request_id", id)
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	start := h.now()
	err := safely.Call(func() error {
		h.mux.ServeHTTP(rec, r.WithContext(withLogger(r.Context(), log)))
		return nil
	})
	if pe, ok := errors.AsType[*safely.PanicError](err); ok {
		log.Error("intake handler panicked", "panic", pe.Value, "stack", string(pe.Stack))
		if !rec.wrote {
			writeError(rec, errInternal(pe))
		}
	}
	log.Info("intake request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
		"items", rec.items, "duration", h.now().Sub(start))
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type loggerKey struct{}

func withLogger(ctx context.Context, l *slog.Logger) context.Context {
	return context.WithValue(ctx, loggerKey{}, l)
}

func (h *Handler) logger(ctx context.Context) *slog.Logger {
	if l, ok := ctx.Value(loggerKey{}).(*slog.Logger); ok {
		return l
	}
	return h.log
}

// wrap runs the steps every endpoint shares: authenticate, read the body
// within limits, serve, answer, count.
func (h *Handler) wrap(e endpoint) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		start := h.now()
		c := &call{log: h.logger(ctx)}
		resp, aerr := h.run(ctx, e, r, c)
		if rec, ok := w.(*statusRecorder); ok {
			rec.items = c.items
		}
		status := http.StatusOK
		if aerr != nil {
			h.fail(c, e, aerr)
			status = writeError(w, aerr)
		} else {
			writeJSON(w, status, resp)
		}
		h.metrics.observe(e.name, strconv.Itoa(status), h.now().Sub(start))
	})
}

func (h *Handler) run(ctx context.Context, e endpoint, r *http.Request, c *call) (any, *healthbot.Error) {
	// A body announced as too large is refused before a byte of it is read,
	// so a client waiting on "Expect: 100-continue" gets the 413 instead of
	// a reset connection.
	if r.ContentLength > e.maxBody {
		return nil, errTooLarge("the body is larger than %d bytes", e.maxBody)
	}
	key := credential(r)
	if key == "" && !e.segment {
		return nil, errUnauthorized("an API key is required: send Authorization: Bearer <key>")
	}
	if key != "" {
		name, aerr := h.auth.check(ctx, key, "/v1/"+e.name, e.scope)
		if aerr != nil {
			return nil, aerr
		}
		c.log = c.log.With("api_key", name)
	}
	body, aerr := readBody(r, e.maxBody)
	if aerr != nil {
		return nil, aerr
	}
	c.body = body
	if key == "" { // Segment: the write key may travel in the body
		name, aerr := h.auth.check(ctx, writeKeyOf(body), "/v1/"+e.name, e.scope)
		if aerr != nil {
			return nil, aerr
		}
		c.log = c.log.With("api_key", name)
	}
	return e.serve(ctx, c)
}

// fail logs a rejected request (at error level for our own faults) and
// counts it; endpoints count their own item-level rejections.
func (h *Handler) fail(c *call, e endpoint, aerr *healthbot.Error) {
	status, wire := toWire(aerr)
	if status >= 500 {
		c.log.Error("intake failed", "endpoint", e.name, "err", aerr)
	} else {
		c.log.Info("intake rejected", "endpoint", e.name, "code", wire.Code, "why", wire.Message)
	}
	if wire.Code == codeInvalid {
		return // counted item by item by the endpoint
	}
	n := c.items
	if n == 0 {
		n = 1 // rejected before its items were read: counts as one
	}
	h.metrics.rejected(e.name, wire.Code, n)
}

// statusRecorder remembers the status and item count for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
	items  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}
