// Package demo generates healthbot's sample portfolio: CSMs, accounts in three
// segments, a year of signals and weekly pulses, with churners who decline
// first. It is pure and deterministic for a seed, so the demo, the tests and
// the backtest all see the same story without a database.
package demo

import (
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Source is the signal and pulse source of every generated row; it marks demo
// data in the database.
const Source = "demo"

// Metric keys the generator writes. The scoring catalog reads exactly these.
const (
	MetricActiveUserRatio      = scoring.MetricActiveUserRatio // 0..1, daily
	MetricSeatsUsed            = "seats_used"                  // licences in use, daily
	MetricKeyFeatureAdoption   = "key_feature_adoption"        // 0..1, weekly
	MetricDaysSinceAdminSeen   = "days_since_admin_seen"       // days, daily
	MetricSessionGapDays       = "session_gap_days"            // median days between a user's sessions, weekly
	MetricSupportTickets       = "support_tickets"             // count per day, only days with tickets
	MetricCSAT                 = "csat"                        // 1..5, one row per survey
	MetricNPS                  = "nps"                         // -100..100, quarterly
	MetricCustomerMessages     = "customer_messages"           // count per day, accounts with a shared channel
	MetricFirstResponseMinutes = "first_response_minutes"      // daily, days with messages
	MetricMRR                  = "mrr"                         // monthly
	MetricLateInvoices         = "late_invoices"               // 1 per late invoice
	MetricDaysToRenewal        = "days_to_renewal"             // weekly
)

// Metrics lists every metric key the generator writes.
var Metrics = []string{
	MetricActiveUserRatio, MetricSeatsUsed, MetricKeyFeatureAdoption, MetricDaysSinceAdminSeen,
	MetricSessionGapDays, MetricSupportTickets, MetricCSAT, MetricNPS, MetricCustomerMessages,
	MetricFirstResponseMinutes, MetricMRR, MetricLateInvoices, MetricDaysToRenewal,
}

// Pulse reason codes a CSM can attach to a rating.
var Reasons = []string{
	"champion_left", "budget_cut", "low_adoption", "product_gaps", "support_issues",
	"expanding", "happy_sponsor", "other",
}

// Days of history generated before AsOf.
const historyDays = 365

// MaxAccounts bounds --accounts: the portfolio is built in memory (about
// 100 kB of signals per account), so a typo must not exhaust it.
const MaxAccounts = 5000

// Config chooses the portfolio. The same Config always yields the same
// portfolio.
type Config struct {
	Seed     int64
	Accounts int       // default 300
	AsOf     time.Time // data runs through the day before AsOf (UTC date)
	NoSeason bool      // turn the seasonal dip off, to compare against
}

// Portfolio is the generated data. IDs are local: an account's ID is its
// position in Accounts plus one, a CSM's likewise; OwnerID, AccountID and
// CSMID refer to them. The loader maps them to database ids.
type Portfolio struct {
	Seed     int64
	AsOf     time.Time
	CSMs     []scoring.CSM
	Accounts []scoring.Account
	Signals  []scoring.Observation
	Pulses   []scoring.Pulse
	// Truth is the story behind each account (same order as Accounts), which
	// the stored data only shows through its signals; tests and the demo
	// report use it.
	Truth []Truth
}

// Truth is what the generator decided for one account.
type Truth struct {
	Churns       bool      // churned before AsOf
	AtRisk       bool      // declining now, churns after AsOf
	ChurnAt      time.Time // zero unless Churns or AtRisk
	DeclineStart time.Time // zero when the account never declines
	Baseline     float64   // latent health baseline; churners are lower on average
}

// DefaultAccounts is the portfolio size when Config.Accounts is 0.
const DefaultAccounts = 300

// Generate builds the portfolio for cfg.
func Generate(cfg Config) (*Portfolio, error) {
	if cfg.Accounts == 0 {
		cfg.Accounts = DefaultAccounts
	}
	if cfg.Accounts < 1 || cfg.Accounts > MaxAccounts {
		return nil, fmt.Errorf("accounts must be between 1 and %d, got %d", MaxAccounts, cfg.Accounts)
	}
	if cfg.AsOf.IsZero() {
		return nil, errors.New("as-of date is required")
	}
	y, m, d := cfg.AsOf.Date()
	asOf := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	g := newGenerator(cfg.Seed, asOf, !cfg.NoSeason)
	return g.portfolio(cfg.Accounts), nil
}

// SeasonFactor is the multiplier the seasonal dip applies to every account's
// activity on day t: August and the last days of December are quiet.
func SeasonFactor(t time.Time) float64 {
	_, m, d := t.Date()
	switch {
	case m == time.August:
		return 0.8
	case m == time.December && d >= 22, m == time.January && d <= 2:
		return 0.6
	}
	return 1
}
