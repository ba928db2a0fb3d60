package scoring

import (
	"fmt"
	"strings"
)

// AlertRuleFeedback is one rule's record over a window, as the digest and
// `healthbot alerts stats` read it.
type AlertRuleFeedback struct {
	Kind      AlertKind
	Fired     int
	NotUseful int
}

// NotUsefulShare is the share of fired alerts someone marked not useful.
func (f AlertRuleFeedback) NotUsefulShare() float64 {
	if f.Fired == 0 {
		return 0
	}
	return float64(f.NotUseful) / float64(f.Fired)
}

// Noisy: marked not useful more than half the time (#17) — the digest
// names it with the threshold to tune.
func (f AlertRuleFeedback) Noisy() bool { return f.Fired > 0 && 2*f.NotUseful > f.Fired }

// AlertThreshold names the scorecard setting that tunes a rule, with its
// value in r, as written in the scorecard file ("alerts.trend_drop_points:
// 15 (points in trend_drop_days: 14)").
func AlertThreshold(k AlertKind, r AlertRules) string {
	switch k {
	case AlertTurnedRed:
		return fmt.Sprintf("the red band line (bands.red) and alerts.red_hysteresis: %g", r.RedHysteresis)
	case AlertTrendDrop:
		return fmt.Sprintf("alerts.trend_drop_points: %g (within trend_drop_days: %d)", r.TrendDropPoints, r.TrendDropDays)
	case AlertAdminInactive:
		return fmt.Sprintf("alerts.admin_inactive_days: %g", r.AdminInactiveDays)
	case AlertUsageDrop:
		return fmt.Sprintf("alerts.usage_drop_share: %g", r.UsageDropShare)
	case AlertLicenceDrop:
		return fmt.Sprintf("alerts.licence_drop_share: %g", r.LicenceDropShare)
	case AlertRenewalRisk:
		steps := make([]string, len(r.Renewal))
		for i, s := range r.Renewal {
			steps[i] = fmt.Sprintf("%dd<%g", s.WithinDays, s.BelowScore)
		}
		return "alerts.renewal: " + strings.Join(steps, ", ")
	case AlertPulsePoor:
		return fmt.Sprintf("alerts.pulse_max_age_days: %d", r.PulseMaxAgeDays)
	case AlertExpansion:
		return fmt.Sprintf("alerts.expansion_seat_use: %g", r.ExpansionSeatUse)
	case AlertLateInvoice:
		return "alerts.disabled (late_invoice has no threshold; route it with HEALTHBOT_ALERT_ROUTES or disable it)"
	}
	return "alerts." + string(k)
}
