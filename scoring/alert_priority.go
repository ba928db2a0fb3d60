package scoring

import (
	"math"
	"time"
)

// alertSeverity weighs the rules for the alert budget: a red turn or a
// renewal at risk outranks an upsell hint.
var alertSeverity = map[AlertKind]float64{
	AlertTurnedRed:     5,
	AlertRenewalRisk:   5,
	AlertPulsePoor:     4,
	AlertTrendDrop:     3,
	AlertUsageDrop:     3,
	AlertLicenceDrop:   3,
	AlertLateInvoice:   2,
	AlertAdminInactive: 2,
	AlertExpansion:     1,
}

// AlertSeverity is a rule's weight in AlertPriority (1 for a rule not
// listed).
func AlertSeverity(k AlertKind) float64 {
	if s, ok := alertSeverity[k]; ok {
		return s
	}
	return 1
}

// AlertPriority orders the alert DMs of a person's weekly budget (#17):
// severity × MRR × renewal proximity. MRR enters as log(1 + MRR), so a
// large account outranks a small one without drowning every other rule;
// proximity is 1 + the share of a year the renewal is closer than one
// (an account renewing today doubles, one a year or more away or with no
// date counts once).
func AlertPriority(k AlertKind, acct Account, now time.Time) float64 {
	mrr := math.Log1p(math.Max(acct.MRR, 0))
	prox := 1.0
	if !acct.RenewalDate.IsZero() {
		days := acct.RenewalDate.Sub(Day(now)).Hours() / 24
		if days >= 0 && days < 365 {
			prox = 2 - days/365
		}
	}
	return AlertSeverity(k) * (1 + mrr) * prox
}
