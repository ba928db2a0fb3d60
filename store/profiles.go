package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// MetricProfiles is the cached profile of every signal key (metric
// discovery), with the direction learned for it, and when the profiles
// were made (zero when never).
func (s *Store) MetricProfiles(ctx context.Context) ([]scoring.MetricProfile, time.Time, error) {
	rows, err := s.q.MetricProfiles(ctx)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("metric profiles: %w", err)
	}
	out := make([]scoring.MetricProfile, len(rows))
	var at time.Time
	for i, r := range rows {
		out[i] = scoring.MetricProfile{Signal: r.Signal, Accounts: int(r.Accounts), Rows: r.RowCount,
			First: r.FirstAt.UTC(), Last: r.LastAt.UTC(), Min: r.MinValue, Max: r.MaxValue,
			Integer: r.IntegerValued, Binary: r.BinaryValued, PerAccount: r.PerAccount, GapDays: r.GapDays}
		if len(r.Direction) > 0 {
			var d scoring.LearnedDirection
			if err := json.Unmarshal(r.Direction, &d); err != nil {
				return nil, time.Time{}, fmt.Errorf("metric profile %q: direction: %w", r.Signal, err)
			}
			out[i].Direction = &d
		}
		if r.ProfiledAt.After(at) {
			at = r.ProfiledAt
		}
	}
	return out, at, nil
}

// profileSQL profiles every signal key in one aggregate scan of signal:
// per (account, key) first, then per key. The typical gap is the mean over
// accounts with two or more observations of their span ÷ (count − 1).
// Pulses live in their own table and are not profiled.
const profileSQL = `
SELECT metric, count(*)::int, sum(n)::bigint, min(first_at), max(last_at), min(lo), max(hi),
       bool_and(whole), bool_and(bin),
       coalesce(avg(extract(epoch FROM last_at - first_at) / 86400.0 / (n - 1)) FILTER (WHERE n > 1), 0)::float8
FROM (SELECT account_id, metric, count(*) AS n, min(observed_at) AS first_at, max(observed_at) AS last_at,
             min(value) AS lo, max(value) AS hi, bool_and(value = trunc(value)) AS whole, bool_and(value IN (0, 1)) AS bin
      FROM signal GROUP BY account_id, metric) g
GROUP BY metric ORDER BY metric`

// RefreshMetricProfiles re-profiles every signal key in one scan and
// stores the profiles (learned directions stay), dropping keys that are
// gone; it returns them as MetricProfiles would.
func (s *Store) RefreshMetricProfiles(ctx context.Context, now time.Time) ([]scoring.MetricProfile, error) {
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, featureSettings); err != nil {
			return fmt.Errorf("profile signals: %w", err)
		}
		rows, err := tx.db.Query(ctx, profileSQL)
		if err != nil {
			return fmt.Errorf("profile signals: %w", err)
		}
		var ps []db.UpsertMetricProfileParams
		for rows.Next() {
			var p db.UpsertMetricProfileParams
			if err := rows.Scan(&p.Signal, &p.Accounts, &p.RowCount, &p.FirstAt, &p.LastAt, &p.MinValue, &p.MaxValue,
				&p.IntegerValued, &p.BinaryValued, &p.GapDays); err != nil {
				rows.Close()
				return fmt.Errorf("profile signals: %w", err)
			}
			p.PerAccount = float64(p.RowCount) / float64(max(p.Accounts, 1))
			p.ProfiledAt = now
			ps = append(ps, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("profile signals: %w", err)
		}
		keys := make([]string, len(ps))
		for i, p := range ps {
			keys[i] = p.Signal
			if err := tx.q.UpsertMetricProfile(ctx, p); err != nil {
				return fmt.Errorf("store metric profile %q: %w", p.Signal, err)
			}
		}
		if err := tx.q.DeleteMetricProfilesExcept(ctx, keys); err != nil {
			return fmt.Errorf("metric profiles: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ps, _, err := s.MetricProfiles(ctx)
	return ps, err
}

// SetMetricDirection stores the direction learned (or not) for a signal's
// metric, with its evidence.
func (s *Store) SetMetricDirection(ctx context.Context, signal string, d scoring.LearnedDirection) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("metric direction %q: %w", signal, err)
	}
	if err := s.q.SetMetricDirection(ctx, db.SetMetricDirectionParams{Signal: signal, Direction: b}); err != nil {
		return fmt.Errorf("metric direction %q: %w", signal, err)
	}
	return nil
}
