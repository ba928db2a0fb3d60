package store

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/store/db"
)

// AccessRecord is one row of the access audit trail: who asked for account
// data, through which surface, whether they were allowed, and which
// accounts they were shown.
type AccessRecord struct {
	ID         int64
	At         time.Time
	UserID     string
	TeamID     string
	ChannelID  string
	Surface    string
	Allowed    bool
	Reason     string // why not, when refused
	AccountIDs []int64
}

// AccessQuery filters AccessLog; zero fields match everything.
type AccessQuery struct {
	Since     time.Time
	UserID    string
	AccountID int64
	Limit     int // default 1000
}

// RecordAccess appends one row to the audit trail.
func (s *Store) RecordAccess(ctx context.Context, r AccessRecord) error {
	ids := r.AccountIDs
	if ids == nil {
		ids = []int64{}
	}
	err := s.q.InsertAccessAudit(ctx, db.InsertAccessAuditParams{
		At: r.At, UserID: r.UserID, TeamID: r.TeamID, ChannelID: r.ChannelID,
		Surface: r.Surface, Allowed: r.Allowed, Reason: r.Reason, AccountIds: ids,
	})
	if err != nil {
		return fmt.Errorf("record access of %s: %w", r.UserID, err)
	}
	return nil
}

// AccessLog lists audit rows matching q, newest first.
func (s *Store) AccessLog(ctx context.Context, q AccessQuery) ([]AccessRecord, error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	rows, err := s.q.ListAccessAudit(ctx, db.ListAccessAuditParams{
		Since: q.Since, UserID: q.UserID, AccountID: q.AccountID, MaxRows: int32(min(q.Limit, 1<<30)),
	})
	if err != nil {
		return nil, fmt.Errorf("access audit: %w", err)
	}
	out := make([]AccessRecord, len(rows))
	for i, r := range rows {
		out[i] = AccessRecord{ID: r.ID, At: r.At, UserID: r.UserID, TeamID: r.TeamID, ChannelID: r.ChannelID,
			Surface: r.Surface, Allowed: r.Allowed, Reason: r.Reason, AccountIDs: r.AccountIds}
	}
	return out, nil
}

// PruneAccessLog deletes audit rows older than before and returns how many.
func (s *Store) PruneAccessLog(ctx context.Context, before time.Time) (int64, error) {
	n, err := s.q.DeleteAccessAuditBefore(ctx, before)
	if err != nil {
		return 0, fmt.Errorf("prune access audit before %s: %w", before.Format(time.DateOnly), err)
	}
	return n, nil
}
