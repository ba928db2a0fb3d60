package scoring

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var alertDay = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// alertFixture is an account scored 65 (yellow) today and 66 two weeks ago,
// with nothing alarming in its features.
func alertFixture() AlertInput {
	acct := Account{ID: 7, Name: "Acme", Seats: 40, MRR: 900, RenewalDate: alertDay.AddDate(0, 8, 0)}
	return AlertInput{
		Now:     alertDay.Add(6 * time.Hour),
		Account: acct,
		Score:   scored(alertDay, 65, BandYellow),
		History: []Score{scored(alertDay.AddDate(0, 0, -14), 66, BandYellow), scored(alertDay.AddDate(0, 0, -7), 64, BandYellow)},
		Features: map[string]FeatureValue{
			featAdminDays: {Value: 3}, featActiveUserChange: {Value: 0.02}, featLicenceChange: {Value: 0},
			featSeatsUsed: {Value: 20}, featLateInvoices: {Value: 0},
		},
		RedBelow: 40,
		Rules:    DefaultAlertRules(),
	}
}

func scored(day time.Time, v float64, b Band) Score {
	return Score{AccountID: 7, AsOf: day, Value: v, Band: b, Drivers: []Contribution{
		{Label: "Active users", Contribution: -9.2}, {Label: "Pulse", Contribution: -6}, {Label: "CSAT", Contribution: 3},
	}}
}

func kinds(ds []AlertDecision, action AlertAction) []AlertKind {
	var out []AlertKind
	for _, d := range ds {
		if d.Action == action {
			out = append(out, d.Kind)
		}
	}
	return out
}

func TestAlertRulesFire(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		mutate  func(*AlertInput)
		want    []AlertKind
		summary string
	}{
		{"quiet account raises nothing", func(*AlertInput) {}, nil, ""},
		{"turned red", func(in *AlertInput) { in.Score = scored(alertDay, 38, BandRed) }, []AlertKind{AlertTurnedRed, AlertTrendDrop}, "Turned red at 38 (was 64 7 days ago): Active users −9, Pulse −6"},
		{"trend drop of 15 in 14 days", func(in *AlertInput) { in.Score = scored(alertDay, 51, BandYellow) }, []AlertKind{AlertTrendDrop}, "66 → 51 in 14 days: Active users −9, Pulse −6"},
		{"drop of 14 is not enough", func(in *AlertInput) { in.Score = scored(alertDay, 52, BandYellow) }, nil, ""},
		{"no score two weeks ago, no trend alert", func(in *AlertInput) {
			in.History = nil
			in.Score = scored(alertDay, 45, BandYellow)
		}, nil, ""},
		{"admin inactive 30 days", func(in *AlertInput) { in.Features[featAdminDays] = FeatureValue{Value: 30} }, []AlertKind{AlertAdminInactive}, "No admin seen for 30 days"},
		{"active users down 20 %", func(in *AlertInput) { in.Features[featActiveUserChange] = FeatureValue{Value: -0.25} }, []AlertKind{AlertUsageDrop}, "Active users down 25 % over 28 days"},
		{"licences down 20 %", func(in *AlertInput) { in.Features[featLicenceChange] = FeatureValue{Value: -0.2} }, []AlertKind{AlertLicenceDrop}, "Seats used down 20 % over 28 days"},
		{"renewal in 80 days while red-ish", func(in *AlertInput) {
			in.Account.RenewalDate = alertDay.AddDate(0, 0, 80)
			in.History = nil
			in.Score = scored(alertDay, 42, BandYellow)
		}, nil, ""},
		{"renewal in 50 days below 55", func(in *AlertInput) {
			in.Account.RenewalDate = alertDay.AddDate(0, 0, 50)
			in.History = nil
			in.Score = scored(alertDay, 52, BandYellow)
		}, []AlertKind{AlertRenewalRisk}, "Renews in 50 days (Jan 12) at 52, yellow: Active users −9, Pulse −6"},
		{"renewal in 20 days and not green", func(in *AlertInput) { in.Account.RenewalDate = alertDay.AddDate(0, 0, 20) }, []AlertKind{AlertRenewalRisk}, ""},
		{"pulse turned poor", func(in *AlertInput) {
			in.LatestPulse = &Pulse{Rating: RatingPoor, CSMName: "Dana", AnsweredAt: alertDay.AddDate(0, 0, -2), Reasons: []string{"champion_left"}, Note: "Our sponsor left"}
		}, []AlertKind{AlertPulsePoor}, "Pulse Poor from Dana on Nov 21 (champion left): “Our sponsor left”"},
		{"stale poor pulse is ignored", func(in *AlertInput) {
			in.LatestPulse = &Pulse{Rating: RatingPoor, AnsweredAt: alertDay.AddDate(0, 0, -20)}
		}, nil, ""},
		{"late invoice", func(in *AlertInput) { in.Features[featLateInvoices] = FeatureValue{Value: 2} }, []AlertKind{AlertLateInvoice}, "2 late invoices in the last 30 days"},
		{"green at 90 % seats", func(in *AlertInput) {
			in.Score = scored(alertDay, 82, BandGreen)
			in.Features[featSeatsUsed] = FeatureValue{Value: 37}
		}, []AlertKind{AlertExpansion}, "Expansion: green (82) and using 92 % of 40 seats"},
		{"yellow at 90 % seats is no expansion", func(in *AlertInput) { in.Features[featSeatsUsed] = FeatureValue{Value: 39} }, nil, ""},
		{"interest in a module not owned", func(in *AlertInput) {
			in.Account.Attributes = map[string]any{"modules": []any{"core", "SSO"}}
			in.ModuleInterest = []string{"sso", "Audit log"}
		}, []AlertKind{AlertExpansion}, "Expansion: interest in Audit log (not owned)"},
		{"disabled rule stays quiet", func(in *AlertInput) {
			in.Features[featLateInvoices] = FeatureValue{Value: 2}
			in.Rules.Disabled = []AlertKind{AlertLateInvoice}
		}, nil, ""},
		{"not enough data raises no score alerts", func(in *AlertInput) { in.Score = Score{AsOf: alertDay, Band: BandNone} }, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := alertFixture()
			c.mutate(&in)
			got := EvaluateAlerts(in)
			require.Equal(t, c.want, kinds(got, ActionFire))
			if c.summary != "" {
				require.Equal(t, c.summary, got[0].Summary)
			}
		})
	}
}

// simulate runs the rules over a series of daily scores, applying the
// decisions the way the alert job does, and returns every decision by day.
func simulate(in AlertInput, days []float64, act func(day int, alerts []Alert) []Alert) [][]AlertDecision {
	var alerts []Alert
	var out [][]AlertDecision
	nextID := int64(1)
	for i, v := range days {
		day := alertDay.AddDate(0, 0, i)
		band := BandYellow
		if v < 40 {
			band = BandRed
		}
		in.Now = day.Add(6 * time.Hour)
		in.Score = scored(day, v, band)
		in.History = nil
		in.Alerts = alerts
		ds := EvaluateAlerts(in)
		for _, d := range ds {
			switch d.Action {
			case ActionFire:
				alerts = append(alerts, Alert{ID: nextID, Kind: d.Kind, DedupKey: d.DedupKey, State: AlertOpen, FiredAt: in.Now})
				nextID++
			case ActionResolve, ActionReopen:
				for j := range alerts {
					if alerts[j].ID == d.AlertID {
						if d.Action == ActionResolve {
							alerts[j].State, alerts[j].ResolvedAt = AlertResolved, in.Now
						} else {
							alerts[j].State, alerts[j].SnoozedUntil = AlertOpen, time.Time{}
						}
					}
				}
			}
		}
		if act != nil {
			alerts = act(i, alerts)
		}
		out = append(out, ds)
	}
	return out
}

func TestTurnedRedHysteresisAndCooldown(t *testing.T) {
	t.Parallel()
	in := alertFixture()
	in.Rules.Disabled = []AlertKind{AlertTrendDrop}
	// Day 0 red; hovering at 39–43 must not flap; 46 on day 4 clears (≥ 40+5);
	// red on days 5 and 6 is inside turned_red's 3-day cooldown; day 7 fires
	// again; 50 on day 8 clears; red on day 9 is inside the cooldown again.
	days := []float64{38, 41, 39, 43, 46, 38, 37, 39, 50, 35}
	got := simulate(in, days, nil)
	var fired, resolved []int
	for i, ds := range got {
		if len(kinds(ds, ActionFire)) > 0 {
			fired = append(fired, i)
		}
		if len(kinds(ds, ActionResolve)) > 0 {
			resolved = append(resolved, i)
		}
	}
	require.Equal(t, []int{0, 7}, fired, "fires when red, not while hovering, not inside the cooldown")
	require.Equal(t, []int{4, 8}, resolved, "resolves only at red threshold + hysteresis")
}

func TestSnoozeExpiryReopens(t *testing.T) {
	t.Parallel()
	in := alertFixture()
	in.Rules.Disabled = []AlertKind{AlertTrendDrop}
	snooze := func(day int, alerts []Alert) []Alert {
		if day == 0 {
			alerts[0].State = AlertSnoozed
			alerts[0].SnoozedUntil = alertDay.AddDate(0, 0, 7).Add(6 * time.Hour)
		}
		return alerts
	}
	got := simulate(in, []float64{30, 30, 30, 30, 30, 30, 30, 30, 30}, snooze)
	for day := 1; day < 7; day++ {
		require.Empty(t, got[day], "snoozed: day %d is quiet", day)
	}
	require.Equal(t, []AlertKind{AlertTurnedRed}, kinds(got[7], ActionReopen), "the snooze ran out and it is still red")
	require.Empty(t, got[8])
}

func TestSnoozedAlertResolvesWhenConditionClears(t *testing.T) {
	t.Parallel()
	in := alertFixture()
	in.Score = scored(alertDay, 70, BandGreen)
	in.Alerts = []Alert{{ID: 3, Kind: AlertTurnedRed, DedupKey: "turned_red:7", State: AlertSnoozed, SnoozedUntil: alertDay.AddDate(0, 0, 3)}}
	got := EvaluateAlerts(in)
	require.Len(t, got, 1)
	require.Equal(t, ActionResolve, got[0].Action)
	require.Equal(t, int64(3), got[0].AlertID)
}

func TestAcknowledgedAlertDoesNotRefire(t *testing.T) {
	t.Parallel()
	in := alertFixture()
	in.Features[featAdminDays] = FeatureValue{Value: 45}
	in.Alerts = []Alert{{ID: 1, Kind: AlertAdminInactive, DedupKey: "admin_inactive:7", State: AlertAcknowledged}}
	require.Empty(t, EvaluateAlerts(in))
}

func TestRenewalAlertFollowsTheRenewalDate(t *testing.T) {
	t.Parallel()
	in := alertFixture()
	in.Account.RenewalDate = alertDay.AddDate(0, 0, 20)
	in.Alerts = []Alert{{ID: 9, Kind: AlertRenewalRisk, DedupKey: "renewal_risk:7:2025-12-01", State: AlertOpen}}
	got := EvaluateAlerts(in)
	require.Equal(t, []AlertKind{AlertRenewalRisk}, kinds(got, ActionResolve), "the old renewal's alert is superseded")
	require.Equal(t, []AlertKind{AlertRenewalRisk}, kinds(got, ActionFire))
	require.Equal(t, "renewal_risk:7:2026-12-13", kinds2key(got, ActionFire))
}

func kinds2key(ds []AlertDecision, a AlertAction) string {
	for _, d := range ds {
		if d.Action == a {
			return d.DedupKey
		}
	}
	return ""
}

func TestAlertRulesValidate(t *testing.T) {
	t.Parallel()
	require.NoError(t, DefaultAlertRules().Validate())
	bad := []struct {
		mutate func(*AlertRules)
		field  string
	}{
		{func(r *AlertRules) { r.TrendDropPoints = 0 }, "alerts.trend_drop_points"},
		{func(r *AlertRules) { r.UsageDropShare = 20 }, "alerts.usage_drop_share"},
		{func(r *AlertRules) { r.Disabled = []AlertKind{"gone_fishing"} }, "alerts.disabled"},
		{func(r *AlertRules) { r.CooldownDays = map[string]int{"turned_red": -1} }, "alerts.cooldown_days.turned_red"},
		{func(r *AlertRules) { r.Renewal = []RenewalStep{{WithinDays: 0, BelowScore: 50}} }, "alerts.renewal[0]"},
	}
	for _, b := range bad {
		r := DefaultAlertRules()
		b.mutate(&r)
		require.ErrorContains(t, r.Validate(), b.field)
	}
}
