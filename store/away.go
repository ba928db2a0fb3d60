package store

import (
	"context"
	"fmt"
	"time"
)

// Away is a CSM's out-of-office (/health away until DATE [cover @sam]).
type Away struct {
	CSMID      int64
	Until      time.Time // the last day away, inclusive (a date at UTC midnight)
	CoverCSMID int64     // 0: nobody covers
	SetBy      string
	SetAt      time.Time
}

// SetAway records (or replaces) a CSM's out-of-office.
func (s *Store) SetAway(ctx context.Context, a Away) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO csm_away (csm_id, until, cover_csm_id, set_by, set_at)
		VALUES ($1, $2, NULLIF($3, 0::bigint), $4, $5)
		ON CONFLICT (csm_id) DO UPDATE SET until = EXCLUDED.until, cover_csm_id = EXCLUDED.cover_csm_id,
			set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at`,
		a.CSMID, pgDate(a.Until), a.CoverCSMID, a.SetBy, a.SetAt)
	if err != nil {
		return fmt.Errorf("set csm %d away: %w", a.CSMID, missingRef(err))
	}
	return nil
}

// ClearAway ends a CSM's out-of-office (/health away off).
func (s *Store) ClearAway(ctx context.Context, csmID int64) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM csm_away WHERE csm_id = $1`, csmID); err != nil {
		return fmt.Errorf("clear away of csm %d: %w", csmID, err)
	}
	return nil
}

// AwayOn lists the out-of-offices that cover day (until >= day), by CSM.
func (s *Store) AwayOn(ctx context.Context, day time.Time) (map[int64]Away, error) {
	rows, err := s.db.Query(ctx, `
		SELECT csm_id, until, COALESCE(cover_csm_id, 0), set_by, set_at FROM csm_away WHERE until >= $1`, pgDate(day))
	if err != nil {
		return nil, fmt.Errorf("csms away on %s: %w", day.Format(time.DateOnly), err)
	}
	out := map[int64]Away{}
	defer rows.Close()
	for rows.Next() {
		var a Away
		if err := rows.Scan(&a.CSMID, &a.Until, &a.CoverCSMID, &a.SetBy, &a.SetAt); err != nil {
			return nil, err
		}
		out[a.CSMID] = a
	}
	return out, rows.Err()
}
