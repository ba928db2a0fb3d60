package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
)

// pulseFeatures emits the features of the metrics that read CSM pulses,
// computed by the definition itself (scoring.FeatureOf) over each
// account's pulses in the plan's lookback: a pulse is one row a week per
// account, so reading them costs little, and keeping them out of the
// signal aggregation spares that query a second parallel plan.
func (s *Store) pulseFeatures(ctx context.Context, p *featurePlan, out scoring.FeatureSet) error {
	rows, err := s.db.Query(ctx, `SELECT account_id, answered_at, rating FROM pulse
		WHERE answered_at > $1 AND answered_at <= $2 ORDER BY account_id`, p.from, p.asOf)
	if err != nil {
		return fmt.Errorf("features: pulses: %w", err)
	}
	var (
		obs     []scoring.Observation
		account int64
		at      time.Time
		rating  string
	)
	flush := func() {
		if len(obs) > 0 {
			p.emitObserved(out, obs)
		}
		obs = obs[:0]
	}
	_, err = pgx.ForEachRow(rows, []any{&account, &at, &rating}, func() error {
		if len(obs) > 0 && obs[0].AccountID != account {
			flush()
		}
		v, ok := scoring.PulseValue(scoring.Rating(rating))
		if !ok {
			return fmt.Errorf("account %d: unknown pulse rating %q", account, rating)
		}
		obs = append(obs, scoring.Observation{AccountID: account, Metric: PulseSignal, ObservedAt: at, Value: v})
		return nil
	})
	if err != nil {
		return fmt.Errorf("features: pulses: %w", err)
	}
	flush()
	return nil
}

// emitObserved emits, by scoring.FeatureOf, the features of every metric
// reading the signal of obs: one account's observations of one signal.
func (p *featurePlan) emitObserved(out scoring.FeatureSet, obs []scoring.Observation) {
	account, signal := obs[0].AccountID, obs[0].Metric
	for _, i := range p.bySignal[signal] {
		m := p.metrics[i]
		if fv, ok := scoring.FeatureOf(m, p.asOf, obs); ok {
			p.put(out, account, m.Key, fv.Value, fv.AgeDays)
		}
	}
}
