package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/store/db"
)

// SyncRenewal is a renewal a CRM reports (a closed-won renewal deal): it
// becomes a renewal outcome of the account, once per Ref, and moves the
// account's renewal date to NextRenewal when that is later.
type SyncRenewal struct {
	Account     string    // external id
	Ref         string    // the CRM record, e.g. hubspot-deal:301; unique across sources
	ClosedOn    time.Time // when the renewal was won
	NextRenewal time.Time // the next contract end; zero when the CRM does not say
}

// RenewalSummary counts what writing renewals did. Moved counts renewal
// dates moved later.
type RenewalSummary struct {
	Read, Recorded, Unchanged, Moved, UnknownAccounts int64
}

// A renewal date is the one a deal renewed when the deal closed up to
// renewalLeadDays before it or renewalLagDays after it (the outcome job
// counts a date due 90 days ahead).
const (
	renewalLeadDays = 365
	renewalLagDays  = 90
)

// RenewedDate is the renewal date a renewal won on closed renewed: the one
// the outcome job saw last (else the account's), when the deal closed
// around it and the next contract end (when known) is later; otherwise the
// close date itself (an old deal read on a first sync, or an account
// without a renewal date).
func RenewedDate(closed, seen, current, next time.Time) time.Time {
	prev := seen
	if prev.IsZero() {
		prev = current
	}
	closed = closed.UTC().Truncate(24 * time.Hour)
	if prev.IsZero() || prev.Before(closed.AddDate(0, 0, -renewalLagDays)) || prev.After(closed.AddDate(0, 0, renewalLeadDays)) ||
		(!next.IsZero() && !prev.Before(next)) {
		return closed
	}
	return prev
}

// writeRenewals records renewals inside a WriteSyncPage transaction. A
// renewal already recorded (by Ref) records nothing again; one the daily
// outcome job found for the same account and date is keyed by Ref instead
// of recorded twice. Moving the renewal date also marks it seen, so the
// outcome job does not take the move for another renewal. detected_at is
// the close date (never after now): a renewal won long ago and read on a
// first sync is not asked about.
func (s *Store) writeRenewals(ctx context.Context, rs []SyncRenewal, now time.Time) (RenewalSummary, error) {
	var sum RenewalSummary
	for _, r := range rs {
		sum.Read++
		a, err := s.q.SyncRenewalAccount(ctx, db.SyncRenewalAccountParams{Ref: r.Ref, ExternalID: r.Account})
		if errors.Is(err, pgx.ErrNoRows) {
			sum.UnknownAccounts++
			continue
		}
		if err != nil {
			return sum, fmt.Errorf("renewal %s: %w", r.Ref, err)
		}
		if !a.Recorded {
			on := RenewedDate(r.ClosedOn, date(a.SeenDate), date(a.RenewalDate), r.NextRenewal)
			n, err := s.q.InsertSyncedRenewal(ctx, db.InsertSyncedRenewalParams{AccountID: a.ID, OccurredOn: pgDate(on),
				NextRenewal: pgDate(r.NextRenewal), DetectedAt: minTime(r.ClosedOn, now), Ref: r.Ref})
			if err != nil {
				return sum, fmt.Errorf("record renewal %s: %w", r.Ref, err)
			}
			if n == 0 {
				if _, err := s.q.TagRenewalOutcome(ctx, db.TagRenewalOutcomeParams{Ref: r.Ref, NextRenewal: pgDate(r.NextRenewal),
					AccountID: a.ID, OccurredOn: pgDate(on)}); err != nil {
					return sum, fmt.Errorf("record renewal %s: %w", r.Ref, err)
				}
			}
			sum.Recorded += n
			sum.Unchanged += 1 - n
		} else {
			sum.Unchanged++
		}
		if r.NextRenewal.IsZero() {
			continue
		}
		moved, err := s.q.MoveRenewalDate(ctx, db.MoveRenewalDateParams{RenewalDate: pgDate(r.NextRenewal), Now: now, ID: a.ID})
		if err != nil {
			return sum, fmt.Errorf("move renewal date for %s: %w", r.Ref, err)
		}
		if moved > 0 {
			sum.Moved++
			if err := s.q.MarkRenewalSeen(ctx, db.MarkRenewalSeenParams{AccountID: a.ID, RenewalDate: pgDate(r.NextRenewal), SeenAt: now}); err != nil {
				return sum, fmt.Errorf("move renewal date for %s: %w", r.Ref, err)
			}
		}
	}
	return sum, nil
}

func minTime(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
