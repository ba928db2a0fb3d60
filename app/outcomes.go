package app

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// OutcomeDetectStore is what outcome detection needs from the store;
// *store.Store has it.
type OutcomeDetectStore interface {
	ChurnsWithoutOutcome(ctx context.Context, since time.Time) ([]store.ChurnCandidate, error)
	RenewalDateChanges(ctx context.Context) ([]store.RenewalChange, error)
	RecordOutcomes(ctx context.Context, outcomes []store.NewOutcome, seen []store.RenewalChange, at time.Time) error
}

var _ OutcomeDetectStore = (*store.Store)(nil)

// Renewal detection: a renewal date moving later by at least
// minRenewalStepDays, away from a date that was due within
// renewalDueDays, is a renewal; a smaller move or one far from the due
// date is a correction.
const (
	renewalDueDays     = 90
	minRenewalStepDays = 28
)

// OutcomesFound is what one DetectOutcomes run recorded.
type OutcomesFound struct {
	Churns   int // new churns recorded
	Renewals int // new renewals recorded
}

// DetectOutcomes records the accounts that churned or renewed since the
// last run, comparing accounts with the outcome table and the renewal
// dates seen last: churns dated within withinDays before now's day and
// not after it, and renewal-date moves that are renewals (detectRenewals).
// The daily outcome job runs it before the owners are asked why; a second
// run the same day records nothing twice.
func DetectOutcomes(ctx context.Context, st OutcomeDetectStore, now time.Time, withinDays int) (OutcomesFound, error) {
	today := scoring.Day(now)
	churns, err := st.ChurnsWithoutOutcome(ctx, today.AddDate(0, 0, -withinDays))
	if err != nil {
		return OutcomesFound{}, err
	}
	changes, err := st.RenewalDateChanges(ctx)
	if err != nil {
		return OutcomesFound{}, err
	}
	found := detectChurns(churns, today)
	renewals := detectRenewals(changes, today)
	sum := OutcomesFound{Churns: len(found), Renewals: len(renewals)}
	if err := st.RecordOutcomes(ctx, append(found, renewals...), changes, now); err != nil {
		return sum, err
	}
	return sum, nil
}

// detectChurns keeps churns that have happened by today.
func detectChurns(cs []store.ChurnCandidate, today time.Time) []store.NewOutcome {
	var out []store.NewOutcome
	for _, c := range cs {
		if !c.ChurnedAt.After(today) {
			out = append(out, store.NewOutcome{AccountID: c.AccountID, Kind: store.OutcomeChurn, OccurredOn: c.ChurnedAt})
		}
	}
	return out
}

// detectRenewals decides which renewal-date changes are renewals: the
// account is a customer, the date it had was due (within renewalDueDays
// of today, or past) and the new one is at least minRenewalStepDays
// later. A first sighting is only a baseline.
func detectRenewals(cs []store.RenewalChange, today time.Time) []store.NewOutcome {
	var out []store.NewOutcome
	for _, c := range cs {
		if c.SeenDate.IsZero() || (!c.ChurnedAt.IsZero() && !c.ChurnedAt.After(today)) {
			continue
		}
		due := !c.SeenDate.After(today.AddDate(0, 0, renewalDueDays))
		if due && !c.RenewalDate.Before(c.SeenDate.AddDate(0, 0, minRenewalStepDays)) {
			out = append(out, store.NewOutcome{AccountID: c.AccountID, Kind: store.OutcomeRenewal, OccurredOn: c.SeenDate, NextRenewal: c.RenewalDate})
		}
	}
	return out
}
