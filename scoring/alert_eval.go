package scoring

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Feature keys the alert rules read; AlertMetrics defines them so the store
// extracts them in the same pass as the score's.
const (
	featActiveUserChange = "alert_active_user_change"
	featSeatsUsed        = "alert_seats_used"
	featLicenceChange    = "alert_licence_change"
	featAdminDays        = "alert_admin_days"
	featLateInvoices     = "alert_late_invoices"
)

// AlertMetrics are the extra features the alert rules need. They carry no
// weight in any score.
func AlertMetrics() []Metric {
	return []Metric{
		{Key: featActiveUserChange, Signal: MetricActiveUserRatio, Family: FamilyUsage, Label: "Active users change", Feature: FeatureChange, WindowDays: 28, HigherIsBetter: true},
		{Key: featSeatsUsed, Signal: "seats_used", Family: FamilyUsage, Label: "Seats used", Feature: FeatureLatest, WindowDays: 14, HigherIsBetter: true},
		{Key: featLicenceChange, Signal: "seats_used", Family: FamilyUsage, Label: "Seats used change", Feature: FeatureChange, WindowDays: 28, HigherIsBetter: true},
		{Key: featAdminDays, Signal: "days_since_admin_seen", Family: FamilyUsage, Label: "Days since an admin was seen", Feature: FeatureLatest, WindowDays: 14},
		{Key: featLateInvoices, Signal: "late_invoices", Family: FamilyContract, Label: "Late invoices", Feature: FeatureSum, WindowDays: 30},
	}
}

// AlertInput is everything the rules know about one account on one day.
type AlertInput struct {
	Now            time.Time
	Account        Account
	Score          Score   // today's
	History        []Score // earlier scores of the account, any order
	Features       map[string]FeatureValue
	LatestPulse    *Pulse
	ModuleInterest []string // modules the account showed interest in lately
	Alerts         []Alert  // the account's live alerts and those resolved lately
	RedBelow       float64  // the scorecard's red threshold
	Rules          AlertRules
}

// AlertAction is what to do with an alert.
type AlertAction string

const (
	ActionFire    AlertAction = "fire"    // raise a new alert and post it
	ActionResolve AlertAction = "resolve" // the alertCondition cleared: resolve and update the message
	ActionReopen  AlertAction = "reopen"  // a snooze ran out and the alertCondition holds: open and re-post
)

// AlertDecision is one change the alert job must make.
type AlertDecision struct {
	Action   AlertAction
	Kind     AlertKind
	DedupKey string
	AlertID  int64 // the existing alert, for resolve and reopen
	Summary  string
	Payload  map[string]any
}

// alertCondition is one rule's reading of the input: holds fires it, clears
// resolves it; neither (hysteresis band, missing data) changes nothing.
type alertCondition struct {
	holds, clears bool
	key           string
	summary       string
	payload       map[string]any
}

// EvaluateAlerts applies every enabled rule to one account. An alert fires
// once when its alertCondition starts to hold, never while one with its key is
// live, not again within the rule's cooldown after it resolved; it resolves
// when the alertCondition clears and reopens when a snooze expires on a
// alertCondition that still holds.
func EvaluateAlerts(in AlertInput) []AlertDecision {
	var out []AlertDecision
	for _, kind := range AlertKinds {
		if !in.Rules.enabled(kind) {
			continue
		}
		c := alertRule(kind)(in)
		out = append(out, decideAlert(in, kind, c)...)
	}
	return out
}

func decideAlert(in AlertInput, kind AlertKind, c alertCondition) []AlertDecision {
	var out []AlertDecision
	var live *Alert
	for i := range in.Alerts {
		a := in.Alerts[i]
		if a.Kind != kind || !a.Live() {
			continue
		}
		if a.DedupKey == c.key && c.key != "" {
			live = &in.Alerts[i]
			continue
		}
		if c.key != "" { // a live alert of this rule under an outdated key (e.g. an old renewal date)
			out = append(out, AlertDecision{Action: ActionResolve, Kind: kind, DedupKey: a.DedupKey, AlertID: a.ID, Summary: SupersededSummary})
		}
	}
	switch {
	case live != nil && c.clears:
		out = append(out, AlertDecision{Action: ActionResolve, Kind: kind, DedupKey: live.DedupKey, AlertID: live.ID, Summary: c.summary})
	case live != nil && c.holds && live.State == AlertSnoozed && !live.SnoozedUntil.After(in.Now):
		out = append(out, AlertDecision{Action: ActionReopen, Kind: kind, DedupKey: live.DedupKey, AlertID: live.ID, Summary: c.summary, Payload: c.payload})
	case live == nil && c.holds && !alertCoolingDown(in, kind, c.key):
		out = append(out, AlertDecision{Action: ActionFire, Kind: kind, DedupKey: c.key, Summary: c.summary, Payload: c.payload})
	}
	return out
}

func alertCoolingDown(in AlertInput, kind AlertKind, key string) bool {
	cd := in.Rules.cooldown(kind)
	for _, a := range in.Alerts {
		if a.DedupKey == key && a.State == AlertResolved && !a.ResolvedAt.IsZero() && in.Now.Sub(a.ResolvedAt) < cd {
			return true
		}
	}
	return false
}

func alertRule(kind AlertKind) func(AlertInput) alertCondition {
	switch kind {
	case AlertTurnedRed:
		return turnedRed
	case AlertTrendDrop:
		return trendDrop
	case AlertRenewalRisk:
		return renewalRisk
	case AlertPulsePoor:
		return pulsePoor
	case AlertAdminInactive:
		return adminInactive
	case AlertUsageDrop:
		return shareDrop(AlertUsageDrop, featActiveUserChange, "Active users", func(r AlertRules) float64 { return r.UsageDropShare })
	case AlertLicenceDrop:
		return shareDrop(AlertLicenceDrop, featLicenceChange, "Seats used", func(r AlertRules) float64 { return r.LicenceDropShare })
	case AlertLateInvoice:
		return lateInvoice
	case AlertExpansion:
		return expansion
	}
	return func(AlertInput) alertCondition { return alertCondition{} }
}

func alertKey(kind AlertKind, accountID int64, extra ...string) string {
	return strings.Join(append([]string{string(kind), fmt.Sprint(accountID)}, extra...), ":")
}

func turnedRed(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertTurnedRed, in.Account.ID)}
	if !in.Score.HasScore() {
		return c
	}
	v := in.Score.Value
	c.holds = in.Score.Band == BandRed || v < in.RedBelow
	c.clears = v >= in.RedBelow+in.Rules.RedHysteresis
	c.summary = fmt.Sprintf("Turned red at %.0f%s%s", v, alertSince(in, 7), alertDrivers(in.Score, 2))
	c.payload = map[string]any{"score": alertRound(v), "red_below": in.RedBelow}
	return c
}

func trendDrop(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertTrendDrop, in.Account.ID)}
	past, ok := ScoreAt(Series(in.History), in.Score.AsOf.AddDate(0, 0, -in.Rules.TrendDropDays))
	if !in.Score.HasScore() || !ok {
		return c
	}
	delta := in.Score.Value - past
	c.holds = delta <= -in.Rules.TrendDropPoints
	c.clears = delta > -in.Rules.TrendDropPoints+in.Rules.RedHysteresis
	c.summary = fmt.Sprintf("%.0f → %.0f in %d days%s", past, in.Score.Value, in.Rules.TrendDropDays, alertDrivers(in.Score, 2))
	c.payload = map[string]any{"from": alertRound(past), "to": alertRound(in.Score.Value), "days": in.Rules.TrendDropDays}
	return c
}

func renewalRisk(in AlertInput) alertCondition {
	r := in.Account.RenewalDate
	if r.IsZero() || !in.Score.HasScore() {
		return alertCondition{key: alertKey(AlertRenewalRisk, in.Account.ID)}
	}
	c := alertCondition{key: alertKey(AlertRenewalRisk, in.Account.ID, r.Format(time.DateOnly))}
	days := int(math.Ceil(r.Sub(in.Now).Hours() / 24))
	if days < 0 {
		c.clears = true
		return c
	}
	bar := -1.0
	for _, s := range in.Rules.Renewal {
		if days <= s.WithinDays && s.BelowScore > bar {
			bar = s.BelowScore
		}
	}
	c.holds = bar >= 0 && in.Score.Value < bar
	c.clears = bar < 0 || in.Score.Value >= bar+in.Rules.RedHysteresis
	c.summary = fmt.Sprintf("Renews in %d days (%s) at %.0f, %s%s", days, r.Format("Jan 2"), in.Score.Value, in.Score.Band, alertDrivers(in.Score, 2))
	c.payload = map[string]any{"days_to_renewal": days, "score": alertRound(in.Score.Value), "mrr": in.Account.MRR}
	return c
}

func pulsePoor(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertPulsePoor, in.Account.ID)}
	p := in.LatestPulse
	if p == nil {
		return c
	}
	fresh := in.Now.Sub(p.AnsweredAt) <= time.Duration(in.Rules.PulseMaxAgeDays)*24*time.Hour
	c.holds = p.Rating == RatingPoor && fresh
	c.clears = p.Rating != RatingPoor || !fresh
	who := p.CSMName
	if who == "" {
		who = "the CSM"
	}
	c.summary = fmt.Sprintf("Pulse Poor from %s on %s", who, p.AnsweredAt.Format("Jan 2"))
	if len(p.Reasons) > 0 {
		c.summary += " (" + strings.ReplaceAll(strings.Join(p.Reasons, ", "), "_", " ") + ")"
	}
	if p.Note != "" {
		c.summary += ": “" + alertTruncate(p.Note, 120) + "”"
	}
	c.payload = map[string]any{"week": p.Week, "reasons": p.Reasons}
	return c
}

func adminInactive(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertAdminInactive, in.Account.ID)}
	f, ok := in.Features[featAdminDays]
	if !ok {
		return c
	}
	c.holds = f.Value >= in.Rules.AdminInactiveDays
	c.clears = !c.holds
	c.summary = fmt.Sprintf("No admin seen for %.0f days", f.Value)
	c.payload = map[string]any{"days": f.Value}
	return c
}

func shareDrop(kind AlertKind, feat, label string, share func(AlertRules) float64) func(AlertInput) alertCondition {
	return func(in AlertInput) alertCondition {
		c := alertCondition{key: alertKey(kind, in.Account.ID)}
		f, ok := in.Features[feat]
		if !ok {
			return c
		}
		c.holds = f.Value <= -share(in.Rules)
		c.clears = !c.holds
		c.summary = fmt.Sprintf("%s down %.0f %% over 28 days", label, -100*f.Value)
		c.payload = map[string]any{"change": alertRound(100 * f.Value)}
		return c
	}
}

func lateInvoice(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertLateInvoice, in.Account.ID)}
	f, ok := in.Features[featLateInvoices]
	c.holds = ok && f.Value > 0
	c.clears = !c.holds
	n := 0.0
	if ok {
		n = f.Value
	}
	c.summary = fmt.Sprintf("%.0f late invoice%s in the last 30 days", n, alertPlural(n))
	c.payload = map[string]any{"late_invoices": n}
	return c
}

func expansion(in AlertInput) alertCondition {
	c := alertCondition{key: alertKey(AlertExpansion, in.Account.ID)}
	var reasons []string
	if f, ok := in.Features[featSeatsUsed]; ok && in.Account.Seats > 0 && in.Score.Band == BandGreen {
		use := f.Value / float64(in.Account.Seats)
		if use >= in.Rules.ExpansionSeatUse {
			reasons = append(reasons, fmt.Sprintf("green (%.0f) and using %.0f %% of %d seats", in.Score.Value, 100*use, in.Account.Seats))
		}
	}
	if mods := unownedModules(in.Account, in.ModuleInterest); len(mods) > 0 {
		reasons = append(reasons, "interest in "+strings.Join(mods, ", ")+" (not owned)")
	}
	c.holds = len(reasons) > 0
	c.clears = !c.holds
	if c.holds {
		c.summary = "Expansion: " + strings.Join(reasons, "; ")
	}
	c.payload = map[string]any{"reasons": reasons}
	return c
}

// unowned returns the modules of interest the account does not own
// (attributes.modules), sorted.
func unownedModules(a Account, interest []string) []string {
	owned := map[string]bool{}
	if list, ok := a.Attributes["modules"].([]any); ok {
		for _, m := range list {
			if s, ok := m.(string); ok {
				owned[strings.ToLower(s)] = true
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, m := range interest {
		l := strings.ToLower(m)
		if !owned[l] && !seen[l] {
			seen[l] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// alertSince says what the score was days before the current one, by
// ScoreAt's definition; "" when there was none.
func alertSince(in AlertInput, days int) string {
	if past, ok := ScoreAt(Series(in.History), in.Score.AsOf.AddDate(0, 0, -days)); ok {
		return fmt.Sprintf(" (was %.0f %d days ago)", past, days)
	}
	return ""
}

// explainDrivers names the n most negative drivers, e.g.
// ": Active users −9, Pulse −6".
func alertDrivers(s Score, n int) string {
	var parts []string
	for _, d := range s.Drivers {
		if d.Contribution >= -0.5 || len(parts) == n {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s −%.0f", d.Label, -d.Contribution))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, ", ")
}

func alertRound(v float64) float64 { return math.Round(v*10) / 10 }

func alertPlural(n float64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func alertTruncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
