package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/ingest/connector"
	"github.com/healthbot/healthbot/scoring"
)

// Config is everything healthbot reads from its environment, parsed and
// validated once at start and passed down; nothing reads os.Getenv later.
type Config struct {
	DatabaseURL string
	HTTPAddr    string
	LogLevel    string
	LogFormat   string

	SlackBotToken      string
	SlackAppToken      string
	SlackSigningSecret string
	SlackAPIURL        string

	OpenAIAPIKey  string
	OpenAIBaseURL string
	OpenAIModel   string
	AskMaxRounds  int           // tool rounds per question
	AskTimeout    time.Duration // deadline per question

	AlertChannel   string
	AlertRoutes    alertRoutes // HEALTHBOT_ALERT_ROUTES (alerts.go)
	AlertFirstRun  string      // "summary": the first alert run posts one summary; "post": every alert
	AlertBudget    int         // HEALTHBOT_ALERT_BUDGET: alert DMs per person per week; 0: no limit
	DigestChannel  string
	TimeZone       *time.Location
	DigestAt       WeeklyTime
	PulseAt        WeeklyTime
	ScorecardsFile string
	MinChurned     int // churned accounts needed before directions are learned from churn
	ScoreInterval  time.Duration
	KeyFeatures    []string // track event names whose use key_feature_adoption measures
	Charts         string   // "block": Block Kit line charts on cards; "text": sparklines only
	Tables         string   // "block": data tables and carousels for lists; "text": lines of text
	UnfurlDomains  []string // link domains whose account links are unfurled; none: any account domain

	CatchUpWindow time.Duration // a scheduled run missed by less than this runs when the bot starts
	Instance      string        // this replica's name in job_run.claimed_by; "" means the host name

	PulseReminderAfter time.Duration // after the check-in, CSMs with unanswered accounts are reminded
	PulsePace          time.Duration // least time between two pulse DMs (Slack: ~1 chat.postMessage/s)

	AllowedGroups  []string      // HEALTHBOT_ALLOWED_GROUPS: Slack user groups who may see account data; empty: every full member
	Managers       string        // HEALTHBOT_MANAGERS: the managers' user group …
	ManagerIDs     []string      // … or the managers' Slack user ids
	AuditRetention time.Duration // HEALTHBOT_AUDIT_RETENTION: how long access audit rows are kept
	// HEALTHBOT_SIGNAL_RETENTION: monthly signal and event partitions wholly
	// older than this are dropped daily; 0 keeps every month.
	SignalRetention time.Duration
	// Connectors (sync.go): each is off until its credentials are set.
	SyncInterval  time.Duration        // how often serve runs each configured sync
	StripeAPIKey  string               // STRIPE_API_KEY
	StripeAPIURL  string               // STRIPE_API_URL (tests: stripe-mock)
	StripeMatch   []string             // HEALTHBOT_STRIPE_MATCH: how customers find their account
	HubSpotToken  string               // HUBSPOT_TOKEN
	HubSpotAPIURL string               // HUBSPOT_API_URL (tests)
	HubSpotMap    map[string]string    // HEALTHBOT_HUBSPOT_MAP: account field → company property
	SQLSources    []connector.SQLQuery // HEALTHBOT_SOURCES: the warehouse queries
	// Calibration (calibrate_job.go): "monthly" re-fits on the 1st and posts
	// the diff to OpsChannel for Approve / Dismiss; "off" never does.
	Calibrate  string
	OpsChannel string
}

// SlackEnabled reports whether the bot should talk to Slack at all.
func (c Config) SlackEnabled() bool { return c.SlackBotToken != "" }

// ModelEnabled reports whether a language model is configured.
func (c Config) ModelEnabled() bool { return c.OpenAIModel != "" }

// WeeklyTime is a weekday and a time of day, like "Mon 09:00".
type WeeklyTime struct {
	Weekday time.Weekday
	Hour    int
	Minute  int
}

func (w WeeklyTime) String() string {
	return fmt.Sprintf("%s %02d:%02d", w.Weekday.String()[:3], w.Hour, w.Minute)
}

// ParseWeeklyTime reads "Mon 09:00" (any case, full or short day name).
func ParseWeeklyTime(s string) (WeeklyTime, error) {
	day, clock, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return WeeklyTime{}, fmt.Errorf("%q is not a weekday and time like \"Mon 09:00\"", s)
	}
	wd, err := parseWeekday(day)
	if err != nil {
		return WeeklyTime{}, err
	}
	t, err := time.Parse("15:04", strings.TrimSpace(clock))
	if err != nil {
		return WeeklyTime{}, fmt.Errorf("%q is not a time of day like 09:00", clock)
	}
	return WeeklyTime{Weekday: wd, Hour: t.Hour(), Minute: t.Minute()}, nil
}

func parseWeekday(s string) (time.Weekday, error) {
	s = strings.ToLower(s)
	for d := time.Sunday; d <= time.Saturday; d++ {
		name := strings.ToLower(d.String())
		if s == name || s == name[:3] {
			return d, nil
		}
	}
	return 0, fmt.Errorf("%q is not a weekday", s)
}

// ParseConfig reads the environment through getenv. Every problem is
// reported, each naming its variable, so one restart fixes them all.
func ParseConfig(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	cfg := Config{
		DatabaseURL:        p.str("DATABASE_URL", ""),
		HTTPAddr:           p.listenAddr("HEALTHBOT_HTTP_ADDR", ":8080"),
		LogLevel:           p.oneOf("HEALTHBOT_LOG_LEVEL", "info", "debug", "info", "warn", "error"),
		LogFormat:          p.oneOf("HEALTHBOT_LOG_FORMAT", "text", "text", "json"),
		SlackBotToken:      p.prefixed("SLACK_BOT_TOKEN", "xoxb-"),
		SlackAppToken:      p.prefixed("SLACK_APP_TOKEN", "xapp-"),
		SlackSigningSecret: p.str("SLACK_SIGNING_SECRET", ""),
		SlackAPIURL:        p.url("SLACK_API_URL", "https://slack.com/api/"),
		OpenAIAPIKey:       p.str("OPENAI_API_KEY", ""),
		OpenAIBaseURL:      p.url("OPENAI_BASE_URL", ""),
		OpenAIModel:        p.str("OPENAI_MODEL", ""),
		AskMaxRounds:       p.intIn("HEALTHBOT_ASK_MAX_ROUNDS", 5, 1, 20),
		AskTimeout:         p.duration("HEALTHBOT_ASK_TIMEOUT", "30s"),
		AlertChannel:       p.str("HEALTHBOT_ALERT_CHANNEL", ""),
		AlertRoutes:        p.alertRoutes("HEALTHBOT_ALERT_ROUTES"),
		AlertFirstRun:      p.oneOf("HEALTHBOT_ALERT_FIRST_RUN", "summary", "summary", "post"),
		AlertBudget:        p.intIn("HEALTHBOT_ALERT_BUDGET", 8, 0, 1000),
		DigestChannel:      p.str("HEALTHBOT_DIGEST_CHANNEL", ""),
		TimeZone:           p.location("HEALTHBOT_TIMEZONE", "UTC"),
		DigestAt:           p.weekly("HEALTHBOT_DIGEST_AT", "Mon 09:00"),
		PulseAt:            p.weekly("HEALTHBOT_PULSE_AT", "Mon 10:00"),
		PulseReminderAfter: p.duration("HEALTHBOT_PULSE_REMINDER_AFTER", "48h"),
		PulsePace:          p.duration("HEALTHBOT_PULSE_PACE", "1s"),
		ScorecardsFile:     p.str("HEALTHBOT_SCORECARDS", ""),
		MinChurned:         p.intIn("HEALTHBOT_MIN_CHURNED", scoring.DefaultMinChurned, 2, 1_000_000),
		ScoreInterval:      p.duration("HEALTHBOT_SCORE_INTERVAL", "24h"),
		KeyFeatures:        splitList(p.str("HEALTHBOT_KEY_FEATURES", "")),
		Charts:             p.oneOf("HEALTHBOT_CHARTS", "block", "block", "text"),
		Tables:             p.oneOf("HEALTHBOT_TABLES", "block", "block", "text"),
		UnfurlDomains:      splitList(p.str("HEALTHBOT_UNFURL_DOMAINS", "")),
		CatchUpWindow:      p.duration("HEALTHBOT_CATCHUP_WINDOW", "12h"),
		Instance:           p.str("HEALTHBOT_INSTANCE", ""),
		AllowedGroups:      p.userGroups("HEALTHBOT_ALLOWED_GROUPS"),
		AuditRetention:     p.days("HEALTHBOT_AUDIT_RETENTION", "90d"),
		SignalRetention:    p.retention("HEALTHBOT_SIGNAL_RETENTION", MinSignalRetention),
		SyncInterval:       p.duration("HEALTHBOT_SYNC_INTERVAL", "1h"),
		StripeAPIKey:       p.str("STRIPE_API_KEY", ""),
		StripeAPIURL:       p.url("STRIPE_API_URL", "https://api.stripe.com/"),
		StripeMatch:        p.stripeMatch("HEALTHBOT_STRIPE_MATCH"),
		HubSpotToken:       p.str("HUBSPOT_TOKEN", ""),
		HubSpotAPIURL:      p.url("HUBSPOT_API_URL", "https://api.hubapi.com/"),
		HubSpotMap:         p.hubspotMap("HEALTHBOT_HUBSPOT_MAP"),
		SQLSources:         p.sqlSources("HEALTHBOT_SOURCES"),

		Calibrate:  p.oneOf("HEALTHBOT_CALIBRATE", "off", "off", "monthly"),
		OpsChannel: p.str("HEALTHBOT_OPS_CHANNEL", ""),
	}
	cfg.Managers, cfg.ManagerIDs = p.managers("HEALTHBOT_MANAGERS")
	if cfg.SlackBotToken != "" && cfg.SlackAppToken == "" && cfg.SlackSigningSecret == "" {
		p.fail("SLACK_SIGNING_SECRET", "is required with SLACK_BOT_TOKEN unless SLACK_APP_TOKEN selects Socket Mode")
	}
	if cfg.SlackAppToken != "" && cfg.SlackBotToken == "" {
		p.fail("SLACK_BOT_TOKEN", "is required when SLACK_APP_TOKEN is set")
	}
	if cfg.Calibrate == "monthly" && cfg.OpsChannel == "" {
		p.fail("HEALTHBOT_OPS_CHANNEL", "is required with HEALTHBOT_CALIBRATE=monthly: the proposed scorecards are posted there for Approve / Dismiss")
	}
	if cfg.OpenAIModel != "" && cfg.OpenAIAPIKey == "" && cfg.OpenAIBaseURL == "" {
		p.fail("OPENAI_API_KEY", "is required with OPENAI_MODEL unless OPENAI_BASE_URL points at a server without keys")
	}
	return cfg, errors.Join(p.errs...)
}

// RequireDatabase is checked by the commands that need Postgres.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("DATABASE_URL is not set: point it at PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	}
	return nil
}

type parser struct {
	getenv func(string) string
	errs   []error
}

func (p *parser) fail(name, format string, args ...any) {
	p.errs = append(p.errs, fmt.Errorf("%s %s", name, fmt.Sprintf(format, args...)))
}

func (p *parser) str(name, def string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	return def
}

// listenAddr is a host:port to listen on (host may be empty), checked with
// the other variables rather than when serve binds.
func (p *parser) listenAddr(name, def string) string {
	v := p.str(name, def)
	_, port, err := net.SplitHostPort(v)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		p.fail(name, "is %q; want host:port or :port, e.g. :8080", v)
		return def
	}
	return v
}

func (p *parser) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(p.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "is %q; want one of %s", v, strings.Join(allowed, ", "))
	return def
}

func (p *parser) prefixed(name, prefix string) string {
	v := p.str(name, "")
	if v != "" && !strings.HasPrefix(v, prefix) {
		p.fail(name, "should start with %q", prefix)
	}
	return v
}

func (p *parser) url(name, def string) string {
	v := p.str(name, def)
	if v == "" {
		return v
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, "is %q; want an http(s) URL", v)
		return def
	}
	if !strings.HasSuffix(v, "/") {
		v += "/"
	}
	return v
}

func (p *parser) location(name, def string) *time.Location {
	v := p.str(name, def)
	loc, err := time.LoadLocation(v)
	if err != nil {
		p.fail(name, "is %q, not a time zone such as Europe/Paris or UTC", v)
		return time.UTC
	}
	return loc
}

func (p *parser) weekly(name, def string) WeeklyTime {
	w, err := ParseWeeklyTime(p.str(name, def))
	if err != nil {
		p.fail(name, "%v", err)
		w, _ = ParseWeeklyTime(def)
	}
	return w
}

func (p *parser) duration(name, def string) time.Duration {
	v := p.str(name, def)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, "is %q; want a positive duration like 24h or 30m", v)
		d, _ = time.ParseDuration(def)
	}
	return d
}

func (p *parser) intIn(name string, def, lo, hi int) int {
	v := p.str(name, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, "is %q; want a whole number from %d to %d", v, lo, hi)
		return def
	}
	return n
}

// stripeMatch reads the order in which a Stripe customer's account is
// looked for: metadata, domain, id.
func (p *parser) stripeMatch(name string) []string {
	v := splitList(p.str(name, strings.Join(connector.DefaultStripeMatch, ",")))
	allowed := []string{connector.MatchMetadata, connector.MatchDomain, connector.MatchID}
	for _, m := range v {
		if !slices.Contains(allowed, m) {
			p.fail(name, "has %q; want a comma-separated order of %s", m, strings.Join(allowed, ", "))
			return connector.DefaultStripeMatch
		}
	}
	if len(v) == 0 {
		return connector.DefaultStripeMatch
	}
	return v
}

func (p *parser) hubspotMap(name string) map[string]string {
	m, err := connector.ParseHubSpotMap(p.str(name, ""))
	if err != nil {
		p.fail(name, "%v (want field=property pairs such as segment=industry,renewal_date=contract_end_date)", err)
	}
	return m
}

// sqlSources reads the HEALTHBOT_SOURCES file; each query's database URL
// comes from the environment variable it names.
func (p *parser) sqlSources(name string) []connector.SQLQuery {
	path := p.str(name, "")
	if path == "" {
		return nil
	}
	qs, err := connector.ParseSQLQueries(path, p.getenv)
	if err != nil {
		p.fail(name, "%s", strings.ReplaceAll(err.Error(), "\n", "; "))
		return nil
	}
	return qs
}
