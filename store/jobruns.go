package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/healthbot/healthbot/store/db"
)

// JobRun is one claimed occurrence of a scheduled job.
type JobRun struct {
	Name        string
	Slot        string
	ClaimedBy   string
	ClaimedAt   time.Time
	HeartbeatAt time.Time // last sign of life of the claimant
	FinishedAt  time.Time // zero while running
	Error       string
}

// JobClaim is the outcome of TakeJobRun.
type JobClaim struct {
	Won bool
	// Previous is the claimant whose lapsed claim this one took over; ""
	// for a fresh claim.
	Previous string
	// Current is the claim that holds the slot when this one lost.
	Current JobRun
}

// ClaimJobRun claims (name, slot) for instance and reports whether this
// caller won. Only the winner may act, so a slot runs once across replicas
// and restarts; an unfinished claim whose heartbeat is older than lease can
// be taken over.
func (s *Store) ClaimJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (bool, error) {
	c, err := s.TakeJobRun(ctx, name, slot, instance, now, lease)
	return c.Won, err
}

// TakeJobRun is ClaimJobRun telling whom a won claim took over and, when it
// lost, the claim that holds the slot.
func (s *Store) TakeJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (JobClaim, error) {
	r, err := s.q.ClaimJobRun(ctx, db.ClaimJobRunParams{
		Name: name, Slot: slot, ClaimedBy: instance, Now: now,
		Lease: pgtype.Interval{Microseconds: lease.Microseconds(), Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		cur, err := s.JobRun(ctx, name, slot)
		if err != nil {
			return JobClaim{}, fmt.Errorf("claim job %s slot %s: %w", name, slot, err)
		}
		return JobClaim{Current: cur}, nil
	}
	if err != nil {
		return JobClaim{}, fmt.Errorf("claim job %s slot %s: %w", name, slot, err)
	}
	return JobClaim{Won: true, Previous: r.PreviousClaimant}, nil
}

// HeartbeatJobRun renews instance's running claim of (name, slot); false
// means the claim is no longer instance's (retaken) or finished.
func (s *Store) HeartbeatJobRun(ctx context.Context, name, slot, instance string, now time.Time) (bool, error) {
	n, err := s.q.HeartbeatJobRun(ctx, db.HeartbeatJobRunParams{Name: name, Slot: slot, ClaimedBy: instance, Now: now})
	if err != nil {
		return false, fmt.Errorf("heartbeat job %s slot %s: %w", name, slot, err)
	}
	return n > 0, nil
}

// ReleaseJobRun gives up instance's unfinished claim of (name, slot), so
// the slot can be claimed again at once.
func (s *Store) ReleaseJobRun(ctx context.Context, name, slot, instance string) error {
	return s.q.ReleaseJobRun(ctx, db.ReleaseJobRunParams{Name: name, Slot: slot, ClaimedBy: instance})
}

// FinishJobRun records that the claimed run ended, with its error if any.
func (s *Store) FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error {
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	return s.q.FinishJobRun(ctx, db.FinishJobRunParams{Name: name, Slot: slot, ClaimedBy: instance, Now: now, Error: msg})
}

// JobRun returns the claim of (name, slot), or ErrNotFound.
func (s *Store) JobRun(ctx context.Context, name, slot string) (JobRun, error) {
	r, err := s.q.GetJobRun(ctx, db.GetJobRunParams{Name: name, Slot: slot})
	if err != nil {
		return JobRun{}, notFound(err)
	}
	return JobRun{Name: r.Name, Slot: r.Slot, ClaimedBy: r.ClaimedBy, ClaimedAt: r.ClaimedAt,
		HeartbeatAt: r.HeartbeatAt, FinishedAt: deref(r.FinishedAt), Error: r.Error}, nil
}
