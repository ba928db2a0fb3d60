package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Touchpoint kinds: what a CSM did with the account (#17 timeline), and
// TouchAlert for the entries an alert's Acknowledge or Assign writes.
const (
	TouchCall    = "call"
	TouchMeeting = "meeting"
	TouchEmail   = "email"
	TouchQBR     = "qbr"
	TouchOther   = "other"
	TouchAlert   = "alert"
)

// TouchKinds are the kinds a person can log, in the order the modal offers them.
var TouchKinds = []string{TouchCall, TouchMeeting, TouchEmail, TouchQBR, TouchOther}

// TouchpointSignal is the signal a logged touchpoint writes (value 1 at its
// time), so the days_since_touchpoint metric reads it like any other.
const TouchpointSignal = "touchpoint"

// MaxTouchNote bounds a touchpoint's note (the column's check).
const MaxTouchNote = 3000

// Touchpoint is one entry of an account's timeline.
type Touchpoint struct {
	ID          int64
	AccountID   int64
	CSMID       int64  // the CSM who logged it, when the user is one
	UserID      string // the Slack user who logged it
	Kind        string
	Note        string
	At          time.Time
	AlertID     int64
	AlertAction string // "acknowledged" or "assigned" for alert entries
}

// AddTouchpoint records t and, for a person's touchpoint (not an alert
// entry), its signal, in one transaction.
func (s *Store) AddTouchpoint(ctx context.Context, t Touchpoint) (int64, error) {
	if len([]rune(t.Note)) > MaxTouchNote {
		return 0, fmt.Errorf("touchpoint note is %d characters; at most %d", len([]rune(t.Note)), MaxTouchNote)
	}
	if t.Kind != TouchAlert {
		// The signal lands in its month's partition, made here if new.
		if err := s.EnsurePartitions(ctx, t.At, t.At); err != nil {
			return 0, fmt.Errorf("record touchpoint of account %d: %w", t.AccountID, err)
		}
	}
	var id int64
	err := pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO touchpoint (account_id, csm_id, user_id, kind, note, at, alert_id, alert_action)
			VALUES ($1, NULLIF($2, 0::bigint), $3, $4, $5, $6, NULLIF($7, 0::bigint), $8)
			RETURNING id`,
			t.AccountID, t.CSMID, t.UserID, t.Kind, t.Note, t.At, t.AlertID, t.AlertAction).Scan(&id)
		if err != nil {
			return missingRef(err)
		}
		if t.Kind == TouchAlert {
			return nil
		}
		_, err = tx.Exec(ctx, `
			INSERT INTO signal (account_id, metric, observed_at, value, source)
			VALUES ($1, $2, $3, 1, 'timeline')
			ON CONFLICT DO NOTHING`, // two touchpoints of one instant: one observation
			t.AccountID, TouchpointSignal, t.At)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record touchpoint of account %d: %w", t.AccountID, err)
	}
	return id, nil
}

// Touchpoints lists an account's timeline, newest first: limit entries
// after skipping offset.
func (s *Store) Touchpoints(ctx context.Context, accountID int64, offset, limit int) ([]Touchpoint, error) {
	rows, err := s.db.Query(ctx, `
		SELECT id, account_id, COALESCE(csm_id, 0), user_id, kind, note, at, COALESCE(alert_id, 0), alert_action
		FROM touchpoint WHERE account_id = $1
		ORDER BY at DESC, id DESC OFFSET $2 LIMIT $3`, accountID, max(offset, 0), max(limit, 0))
	if err != nil {
		return nil, fmt.Errorf("touchpoints of account %d: %w", accountID, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Touchpoint, error) {
		var t Touchpoint
		err := r.Scan(&t.ID, &t.AccountID, &t.CSMID, &t.UserID, &t.Kind, &t.Note, &t.At, &t.AlertID, &t.AlertAction)
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("touchpoints of account %d: %w", accountID, err)
	}
	return out, nil
}

// CountTouchpoints is how many entries an account's timeline has.
func (s *Store) CountTouchpoints(ctx context.Context, accountID int64) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, `SELECT count(*) FROM touchpoint WHERE account_id = $1`, accountID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count touchpoints of account %d: %w", accountID, err)
	}
	return n, nil
}

// SetAccountOwner makes csmID the owner of the account (/health owner);
// the next pulse and alerts follow. ErrNotFound when either is missing.
func (s *Store) SetAccountOwner(ctx context.Context, accountID, csmID int64) error {
	tag, err := s.db.Exec(ctx, `UPDATE account SET owner_id = $2, updated_at = now() WHERE id = $1`, accountID, csmID)
	if err != nil {
		return fmt.Errorf("set owner of account %d: %w", accountID, missingRef(err))
	}
	if tag.RowsAffected() == 0 {
		return ErrNotFound
	}
	return nil
}

// WithAtIn is t with its time in loc (comparisons in tests and output).
func (t Touchpoint) WithAtIn(loc *time.Location) Touchpoint {
	t.At = t.At.In(loc)
	return t
}
