package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// PulseObservations lists every pulse answered since since with the
// account's band on the answer's day (its newest score then) and its
// churn date: the input of scoring.PulseHonesty.
func (s *Store) PulseObservations(ctx context.Context, since time.Time) ([]scoring.PulseObservation, error) {
	rows, err := s.db.Query(ctx, `
		SELECT p.csm_id, c.name, COALESCE(c.email, ''), p.account_id, p.rating, p.answered_at,
		       COALESCE(sc.band, 'none'), COALESCE(sc.subscores, '{}'::jsonb), COALESCE(sc.scorecard, ''), a.churned_at
		FROM pulse p
		JOIN csm c ON c.id = p.csm_id
		JOIN account a ON a.id = p.account_id
		LEFT JOIN LATERAL (
			SELECT score.band, score.subscores, score.scorecard FROM score WHERE score.account_id = p.account_id AND score.as_of <= (p.answered_at AT TIME ZONE 'UTC')::date
			ORDER BY score.as_of DESC LIMIT 1
		) sc ON true
		WHERE p.answered_at >= $1
		ORDER BY p.csm_id, p.answered_at`, since)
	if err != nil {
		return nil, fmt.Errorf("pulse observations: %w", err)
	}
	defer rows.Close()
	var out []scoring.PulseObservation
	for rows.Next() {
		var o scoring.PulseObservation
		var email, rating, band string
		var subs []byte
		var churned *time.Time
		if err := rows.Scan(&o.CSMID, &o.CSMName, &email, &o.AccountID, &rating, &o.AnsweredAt, &band, &subs, &o.Scorecard, &churned); err != nil {
			return nil, fmt.Errorf("pulse observations: %w", err)
		}
		if err := json.Unmarshal(subs, &o.Subscores); err != nil {
			return nil, fmt.Errorf("pulse observations: subscores of account %d: %w", o.AccountID, err)
		}
		if o.CSMName == "" {
			o.CSMName = email
		}
		o.Rating, o.DataBand = scoring.Rating(rating), scoring.Band(band)
		if churned != nil {
			o.ChurnedAt = *churned
		}
		out = append(out, o)
	}
	return out, rows.Err()
}
