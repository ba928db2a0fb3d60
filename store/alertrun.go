package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// ScoresBetween returns every score in [from, to] (days, inclusive),
// grouped by account and oldest first, value and band only (no
// scorecard, subscores or drivers): the history the alert rules compare
// with, for the whole portfolio.
func (s *Store) ScoresBetween(ctx context.Context, from, to time.Time) (map[int64][]scoring.Score, error) {
	rows, err := s.q.ScoresBetween(ctx, db.ScoresBetweenParams{FromDate: pgDate(from), ToDate: pgDate(to)})
	if err != nil {
		return nil, fmt.Errorf("scores between %s and %s: %w", from.Format(time.DateOnly), to.Format(time.DateOnly), err)
	}
	out := make(map[int64][]scoring.Score, len(rows))
	for _, r := range rows {
		if len(r.Vals) != len(r.Days) || len(r.Bands) != len(r.Days) {
			return nil, fmt.Errorf("scores of account %d: arrays of different lengths", r.AccountID)
		}
		hist := make([]scoring.Score, len(r.Days))
		for i, d := range r.Days {
			hist[i] = scoring.Score{AccountID: r.AccountID, AsOf: date(d), Value: r.Vals[i], Band: scoring.Band(r.Bands[i])}
		}
		slices.SortFunc(hist, func(a, b scoring.Score) int { return a.AsOf.Compare(b.AsOf) })
		out[r.AccountID] = hist
	}
	return out, nil
}

// LatestPulses returns each account's newest pulse answered in (since, at],
// with the answering CSM's name.
func (s *Store) LatestPulses(ctx context.Context, since, at time.Time) (map[int64]scoring.Pulse, error) {
	rows, err := s.q.LatestPulses(ctx, db.LatestPulsesParams{Since: since, At: at})
	if err != nil {
		return nil, fmt.Errorf("latest pulses: %w", err)
	}
	out := make(map[int64]scoring.Pulse, len(rows))
	for _, r := range rows {
		out[r.AccountID] = scoring.Pulse{
			ID: r.ID, AccountID: r.AccountID, CSMID: deref(r.CsmID), CSMName: r.CsmName, Rating: scoring.Rating(r.Rating),
			Reasons: r.Reasons, Note: r.Note, Week: r.Week, AnsweredAt: r.AnsweredAt, Source: r.Source,
		}
	}
	return out, nil
}

// InterestSignalPrefix starts the metric key of a module-interest signal:
// "interest:analytics" says the account showed interest in Analytics.
const InterestSignalPrefix = "interest:"

// ModuleInterest returns, per account, the modules named by positive
// interest:<module> signals observed in (since, at], sorted.
func (s *Store) ModuleInterest(ctx context.Context, since, at time.Time) (map[int64][]string, error) {
	rows, err := s.q.ModuleInterest(ctx, db.ModuleInterestParams{Since: since, At: at})
	if err != nil {
		return nil, fmt.Errorf("module interest: %w", err)
	}
	out := map[int64][]string{}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], r.Module)
	}
	return out, nil
}

// UnpostedAlerts lists live alerts fired since a time that lack their
// channel or DM message, oldest first, so a failed post is retried.
func (s *Store) UnpostedAlerts(ctx context.Context, since time.Time) ([]AlertRecord, error) {
	rows, err := s.q.UnpostedAlerts(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("unposted alerts: %w", err)
	}
	out := make([]AlertRecord, len(rows))
	for i, r := range rows {
		out[i] = alertFromRow(r)
	}
	return out, nil
}
