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
	Name       string
	Slot       string
	ClaimedBy  string
	ClaimedAt  time.Time
	FinishedAt time.Time // zero while running
	Error      string
}

// ClaimJobRun claims (name, slot) for instance and reports whether this
// caller won. Only the winner may act, so a slot runs once across replicas
// and restarts; an unfinished claim older than lease can be taken over.
func (s *Store) ClaimJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (bool, error) {
	_, err := s.q.ClaimJobRun(ctx, db.ClaimJobRunParams{
		Name: name, Slot: slot, ClaimedBy: instance, Now: now,
		Lease: pgtype.Interval{Microseconds: lease.Microseconds(), Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("claim job %s slot %s: %w", name, slot, err)
	}
	return true, nil
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
		FinishedAt: deref(r.FinishedAt), Error: r.Error}, nil
}
