package bot

import (
	"log/slog"
	"time"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/timeline"
	"github.com/healthbot/healthbot/scoring"
)

// The alert messages, their buttons and the alert run's Slack side live in
// bot/alerts; these names keep the wiring and the tests that build alerts
// through bot as they were.
type (
	Alerts          = alerts.Alerts
	AlertStore      = alerts.Store
	AlertSlack      = alerts.Slack
	AlertRunSummary = alerts.AlertRunSummary
	AlertRoutes     = alerts.AlertRoutes
	AlertRoute      = alerts.AlertRoute
	CardMessenger   = alerts.CardMessenger
)

// Alert routes and defaults, as bot/alerts defines them.
const (
	RouteOff            = alerts.RouteOff
	RouteChannel        = alerts.RouteChannel
	RouteDM             = alerts.RouteDM
	RouteBoth           = alerts.RouteBoth
	DefaultAlertBudget  = alerts.DefaultAlertBudget
	DefaultAlertRetries = alerts.DefaultAlertRetries
	RetryUnpostedDays   = alerts.RetryUnpostedDays
)

// ParseAlertRoutes is alerts.ParseAlertRoutes (HEALTHBOT_ALERT_ROUTES).
func ParseAlertRoutes(s string) (AlertRoutes, error) { return alerts.ParseAlertRoutes(s) }

var _ CardMessenger = (*health.Health)(nil)

// AlertsConfig configures NewAlerts in bot's own types.
type AlertsConfig struct {
	Store      AlertStore
	Slack      AlertSlack // nil: alerts are evaluated and stored; a later run with Slack posts them
	Owners     *OwnerResolver
	Scorecards scoring.Scorecards // zero: the built-in defaults
	Channel    string             // HEALTHBOT_ALERT_CHANNEL; "" posts to owners only
	Routes     AlertRoutes        // HEALTHBOT_ALERT_ROUTES
	Location   *time.Location     // dates in messages; nil means UTC
	Now        func() time.Time   // nil means time.Now
	Logger     *slog.Logger
	Retry      chat.RateLimitRetrier // paces posts on 429s; MaxRetries 0 means DefaultAlertRetries
	// PostFirstRun: see alerts.Config.
	PostFirstRun bool
	Guard        access.ChannelGuard // nil: no check
	Budget       int                 // see alerts.Config
	Timeline     *timeline.Timeline  // nil: not recorded
	Views        timeline.ViewOpener // nil: Not useful asks no reason
}

// NewAlerts builds the alert job and button handlers (alerts.New) with
// bot's defaults: a rate-limit retrier that waits out DefaultAlertRetries
// 429s, the owner lookup through the store (and Slack, when given), and the
// access gate's word on who is a manager.
func NewAlerts(cfg AlertsConfig) *Alerts {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry.MaxRetries == 0 {
		cfg.Retry.MaxRetries = DefaultAlertRetries
	}
	if cfg.Retry.Log == nil {
		cfg.Retry.Log = cfg.Logger
	}
	if cfg.Owners == nil {
		linker, _ := cfg.Store.(csmLinker) // *store.Store is one
		cfg.Owners = NewOwnerResolver(nil, linker, cfg.Retry, cfg.Logger, cfg.Now)
	}
	c := alerts.Config{
		Store: cfg.Store, Slack: cfg.Slack, Owners: cfg.Owners, Scorecards: cfg.Scorecards, Channel: cfg.Channel,
		Routes: cfg.Routes, Location: cfg.Location, Now: cfg.Now, Logger: cfg.Logger, Retry: cfg.Retry,
		PostFirstRun: cfg.PostFirstRun, Guard: cfg.Guard, Budget: cfg.Budget, Views: cfg.Views, IsManager: access.IsManager,
	}
	if cfg.Timeline != nil { // a nil *timeline.Timeline must not become a non-nil interface
		c.Timeline = cfg.Timeline
	}
	return alerts.New(c)
}
