package scoring

import (
	"fmt"
	"time"
)

// AlertKind names an alert rule.
type AlertKind string

const (
	AlertTurnedRed     AlertKind = "turned_red"
	AlertTrendDrop     AlertKind = "trend_drop"
	AlertAdminInactive AlertKind = "admin_inactive"
	AlertUsageDrop     AlertKind = "usage_drop"
	AlertLicenceDrop   AlertKind = "licence_drop"
	AlertRenewalRisk   AlertKind = "renewal_risk"
	AlertPulsePoor     AlertKind = "pulse_poor"
	AlertLateInvoice   AlertKind = "late_invoice"
	AlertExpansion     AlertKind = "expansion"
)

// AlertKinds lists every rule in the order alerts are evaluated and shown.
var AlertKinds = []AlertKind{
	AlertTurnedRed, AlertTrendDrop, AlertRenewalRisk, AlertPulsePoor, AlertAdminInactive,
	AlertUsageDrop, AlertLicenceDrop, AlertLateInvoice, AlertExpansion,
}

// AlertState is where an alert is in its lifecycle.
type AlertState string

const (
	AlertOpen         AlertState = "open"
	AlertAcknowledged AlertState = "acknowledged"
	AlertSnoozed      AlertState = "snoozed"
	AlertResolved     AlertState = "resolved"
)

// Alert is a stored alert, as the rules and the Slack messages see it.
type Alert struct {
	ID           int64
	AccountID    int64
	Kind         AlertKind
	DedupKey     string
	FiredAt      time.Time
	Summary      string
	State        AlertState
	SnoozedUntil time.Time
	ActedBy      string
	AssignedTo   string
	ResolvedAt   time.Time
}

// Live reports whether the alert still stands (not resolved).
func (a Alert) Live() bool { return a.State != AlertResolved }

// RenewalStep tightens the renewal-risk rule as the date approaches: within
// WithinDays of renewal, a score below BelowScore is at risk.
type RenewalStep struct {
	WithinDays int     `yaml:"within_days" json:"within_days"`
	BelowScore float64 `yaml:"below_score" json:"below_score"`
}

// AlertRules are one scorecard's alert thresholds.
type AlertRules struct {
	// Disabled lists rules that never fire for this scorecard.
	Disabled []AlertKind `yaml:"disabled,omitempty" json:"disabled,omitempty"`
	// RedHysteresis is how far above the red threshold a score must climb
	// before a turned-red alert resolves, so a score hovering at the line
	// does not flap.
	RedHysteresis     float64       `yaml:"red_hysteresis" json:"red_hysteresis"`
	TrendDropPoints   float64       `yaml:"trend_drop_points" json:"trend_drop_points"`
	TrendDropDays     int           `yaml:"trend_drop_days" json:"trend_drop_days"`
	AdminInactiveDays float64       `yaml:"admin_inactive_days" json:"admin_inactive_days"`
	UsageDropShare    float64       `yaml:"usage_drop_share" json:"usage_drop_share"`     // 0.2 = down 20 % over 28 days
	LicenceDropShare  float64       `yaml:"licence_drop_share" json:"licence_drop_share"` // likewise for seats used
	Renewal           []RenewalStep `yaml:"renewal" json:"renewal"`
	PulseMaxAgeDays   int           `yaml:"pulse_max_age_days" json:"pulse_max_age_days"` // a Poor pulse older than this no longer alerts
	ExpansionSeatUse  float64       `yaml:"expansion_seat_use" json:"expansion_seat_use"` // 0.9 = 90 % of seats used
	// CooldownDays is how long after an alert resolves before the same rule
	// may fire again for the account; per rule, with "default".
	CooldownDays map[string]int `yaml:"cooldown_days" json:"cooldown_days"`
	// MostlyGreenHealthy and MostlyGreenRed flag a CSM's pulse as "mostly
	// green" (pulse honesty, #17): rating at least this share Healthy while
	// the data puts at least MostlyGreenRed of their accounts in red.
	MostlyGreenHealthy float64 `yaml:"mostly_green_healthy_share" json:"mostly_green_healthy_share"`
	MostlyGreenRed     float64 `yaml:"mostly_green_red_share" json:"mostly_green_red_share"`
}

// DefaultAlertRules are the thresholds of DESIGN §5 and issue 6.
func DefaultAlertRules() AlertRules {
	return AlertRules{
		RedHysteresis:     5,
		TrendDropPoints:   15,
		TrendDropDays:     14,
		AdminInactiveDays: 30,
		UsageDropShare:    0.20,
		LicenceDropShare:  0.20,
		Renewal: []RenewalStep{
			{WithinDays: 90, BelowScore: 40},
			{WithinDays: 60, BelowScore: 55},
			{WithinDays: 30, BelowScore: 70},
		},
		PulseMaxAgeDays:  14,
		ExpansionSeatUse: 0.90,
		CooldownDays:     map[string]int{"default": 7, string(AlertTurnedRed): 3},

		MostlyGreenHealthy: 0.85,
		MostlyGreenRed:     0.30,
	}
}

// Validate checks the thresholds; errors name the field.
func (r AlertRules) Validate() error {
	known := map[AlertKind]bool{}
	for _, k := range AlertKinds {
		known[k] = true
	}
	for _, k := range r.Disabled {
		if !known[k] {
			return fmt.Errorf("alerts.disabled: unknown rule %q", k)
		}
	}
	for name, d := range r.CooldownDays {
		if name != "default" && !known[AlertKind(name)] {
			return fmt.Errorf("alerts.cooldown_days.%s: unknown rule", name)
		}
		if d < 0 {
			return fmt.Errorf("alerts.cooldown_days.%s: must not be negative", name)
		}
	}
	checks := []struct {
		field string
		bad   bool
		want  string
	}{
		{"red_hysteresis", r.RedHysteresis < 0 || r.RedHysteresis > 50, "between 0 and 50"},
		{"trend_drop_points", r.TrendDropPoints <= 0 || r.TrendDropPoints > 100, "between 0 and 100"},
		{"trend_drop_days", r.TrendDropDays <= 0 || r.TrendDropDays > 365, "between 1 and 365"},
		{"admin_inactive_days", r.AdminInactiveDays <= 0, "> 0"},
		{"usage_drop_share", r.UsageDropShare <= 0 || r.UsageDropShare >= 1, "between 0 and 1 (0.2 = 20 %)"},
		{"licence_drop_share", r.LicenceDropShare <= 0 || r.LicenceDropShare >= 1, "between 0 and 1 (0.2 = 20 %)"},
		{"pulse_max_age_days", r.PulseMaxAgeDays <= 0, "> 0"},
		{"expansion_seat_use", r.ExpansionSeatUse <= 0 || r.ExpansionSeatUse > 2, "between 0 and 2 (0.9 = 90 %)"},
		{"mostly_green_healthy_share", r.MostlyGreenHealthy <= 0 || r.MostlyGreenHealthy > 1, "between 0 and 1 (0.85 = 85 %)"},
		{"mostly_green_red_share", r.MostlyGreenRed <= 0 || r.MostlyGreenRed > 1, "between 0 and 1 (0.3 = 30 %)"},
	}
	for _, c := range checks {
		if c.bad {
			return fmt.Errorf("alerts.%s: must be %s", c.field, c.want)
		}
	}
	for i, s := range r.Renewal {
		if s.WithinDays <= 0 || s.BelowScore < 0 || s.BelowScore > 100 {
			return fmt.Errorf("alerts.renewal[%d]: within_days must be > 0 and below_score between 0 and 100", i)
		}
	}
	return nil
}

func (r AlertRules) enabled(k AlertKind) bool {
	for _, d := range r.Disabled {
		if d == k {
			return false
		}
	}
	return true
}

func (r AlertRules) cooldown(k AlertKind) time.Duration {
	d, ok := r.CooldownDays[string(k)]
	if !ok {
		d = r.CooldownDays["default"]
	}
	return time.Duration(d) * 24 * time.Hour
}
