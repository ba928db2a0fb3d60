package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jonboulle/clockwork"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/calibration"
	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

func serveCommand() command {
	return command{
		summary: "run the bot: Slack, intake API, /mcp, scheduler, /healthz, /metrics",
		usage:   "serve [--migrate]",
		run: func(ctx context.Context, e *env, args []string) error {
			fs := flags("serve", e)
			migrate := fs.Bool("migrate", false, "apply pending migrations before starting")
			if err := parseFlags(fs, args); err != nil {
				return err
			}
			if fs.NArg() > 0 {
				return usagef("unexpected argument %q", fs.Arg(0))
			}
			return serveUntilDone(ctx, e, *migrate, nil)
		},
	}
}

// serveUntilDone runs Main until ctx ends (SIGINT, SIGTERM), then shuts it
// down in order. started, if set, runs once everything is up.
func serveUntilDone(ctx context.Context, e *env, migrate bool, started func(m *Main)) error {
	m := NewMain(e.cfg, e.log)
	m.Migrate = migrate
	if err := m.Run(ctx); err != nil {
		_ = m.Close()
		return err
	}
	e.log.Info("healthbot serving", "addr", m.Addr())
	if started != nil {
		started(m)
	}
	<-ctx.Done()
	e.log.Info("shutting down")
	return m.Close()
}

// Main is the running server. Run starts every piece and returns; Close
// stops them in reverse order. Tests drive it the same way main does.
type Main struct {
	Config  Config
	Logger  *slog.Logger
	Migrate bool
	Clock   clockwork.Clock // the scheduler's clock; nil means the real one (tests inject a fake)

	claims app.JobClaimer // the scheduler's job_run claims; nil means the store (tests wrap it)

	pool     *pgxpool.Pool
	store    *store.Store
	registry *prometheus.Registry
	mux      *http.ServeMux
	server   *http.Server
	listener net.Listener
	serveErr chan error
	closers  []func(context.Context) error

	slack  *slack.Client // nil unless SLACK_BOT_TOKEN is set (slack.go)
	router *bot.Router   // every Slack handler is registered here
	gate   *access.Gate  // who may see account data (bot/access); nil without Slack

	alerting *alerting // alert and outcome jobs, built once by AlertJobs (alerts.go)

	calibs *calibration.Calibrations // calibration proposals and their buttons (calibrate_job.go)
}

// NewMain prepares a Main; nothing starts until Run.
func NewMain(cfg Config, logger *slog.Logger) *Main {
	return &Main{Config: cfg, Logger: logger}
}

// Run connects to Postgres, mounts every HTTP route and starts listening.
func (m *Main) Run(ctx context.Context) error {
	pool, err := openDB(ctx, &env{cfg: m.Config, log: m.Logger}, m.Migrate)
	if err != nil {
		return err
	}
	m.pool = pool
	m.store = store.New(pool)
	m.closers = append(m.closers, func(context.Context) error { pool.Close(); return nil })

	m.registry = prometheus.NewRegistry()
	m.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.mux = http.NewServeMux()
	m.mountOps()
	kinds := &kindsCache{now: m.now, load: func(ctx context.Context) (valid.Kinds, error) {
		return signalKinds(ctx, m.store, m.Config.ScorecardsFile)
	}}
	intake, err := ingest.New(ingest.Config{Store: m.store, Logger: m.Logger, Registry: m.registry, SignalKinds: kinds.get})
	if err != nil {
		return err
	}
	m.mux.Handle("POST /v1/", intake)
	m.mux.Handle("GET /v1/openapi.yaml", ingest.OpenAPIHandler())
	if err := m.mountMCP(); err != nil { // mcp.go
		return err
	}
	// Bind before anything claims a job slot: a taken port fails the start
	// with nothing left behind.
	ln, err := net.Listen("tcp", m.Config.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HEALTHBOT_HTTP_ADDR %s: %w", m.Config.HTTPAddr, err)
	}
	m.listener = ln
	if err := m.startSlack(); err != nil {
		_ = ln.Close()
		return err
	}
	if err := m.checkPostChannels(ctx); err != nil { // access.go
		_ = ln.Close()
		return err
	}
	if err := m.startScheduler(ctx); err != nil { // jobs.go
		_ = ln.Close()
		return err
	}
	m.server = &http.Server{Handler: m.mux, ReadHeaderTimeout: 10 * time.Second}
	m.serveErr = make(chan error, 1)
	go func() { m.serveErr <- m.server.Serve(ln) }()
	return nil
}

// Addr is the address the HTTP server listens on (useful with ":0").
func (m *Main) Addr() string {
	if m.listener == nil {
		return ""
	}
	return m.listener.Addr().String()
}

// Close shuts the HTTP server down gracefully, then everything else in
// reverse order of starting.
func (m *Main) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	var errs []error
	if m.server != nil {
		if err := m.server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http shutdown: %w", err))
		}
		if err := <-m.serveErr; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
	}
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](ctx); err != nil {
			errs = append(errs, err)
		}
	}
	m.closers = nil
	return errors.Join(errs...)
}

// mountOps adds the endpoints operators and orchestrators probe.
func (m *Main) mountOps() {
	m.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok\n"))
	})
	m.mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := m.store.CheckReady(ctx); err != nil {
			m.Logger.Warn("readiness check failed", "err", err)
			msg := "database unavailable"
			if errors.Is(err, store.ErrSchemaOutdated) {
				msg = "database schema is not migrated"
			}
			http.Error(w, msg, http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	m.mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry}))
}
