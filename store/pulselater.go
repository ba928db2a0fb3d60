package store

import (
	"context"
	"fmt"
	"time"
)

// PulseLater is the check-in's Later kind of message: the unanswered
// accounts again, once, hours after the CSM asked.
const PulseLater = "later"

// SnoozePulse records a CSM's Later for week, due at due. ok is false when
// the CSM already snoozed that week's check-in (Later works once).
func (s *Store) SnoozePulse(ctx context.Context, csmID int64, week string, due time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		INSERT INTO pulse_later (csm_id, week, due_at) VALUES ($1, $2, $3)
		ON CONFLICT (csm_id, week) DO NOTHING`, csmID, week, due)
	if err != nil {
		return false, fmt.Errorf("snooze check-in of csm %d (%s): %w", csmID, week, missingRef(err))
	}
	return tag.RowsAffected() == 1, nil
}

// PulseSnooze is one Later that is due and not yet re-sent.
type PulseSnooze struct {
	CSMID int64
	Week  string
	DueAt time.Time
}

// DuePulseSnoozes lists the Laters due at now and not yet re-sent.
func (s *Store) DuePulseSnoozes(ctx context.Context, now time.Time) ([]PulseSnooze, error) {
	rows, err := s.db.Query(ctx, `SELECT csm_id, week, due_at FROM pulse_later WHERE sent_at IS NULL AND due_at <= $1 ORDER BY due_at, csm_id`, now)
	if err != nil {
		return nil, fmt.Errorf("due check-in snoozes: %w", err)
	}
	defer rows.Close()
	var out []PulseSnooze
	for rows.Next() {
		var p PulseSnooze
		if err := rows.Scan(&p.CSMID, &p.Week, &p.DueAt); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// PulseSnoozeSent marks a Later as re-sent.
func (s *Store) PulseSnoozeSent(ctx context.Context, csmID int64, week string, at time.Time) error {
	if _, err := s.db.Exec(ctx, `UPDATE pulse_later SET sent_at = $3 WHERE csm_id = $1 AND week = $2`, csmID, week, at); err != nil {
		return fmt.Errorf("mark check-in snooze of csm %d (%s) sent: %w", csmID, week, err)
	}
	return nil
}
