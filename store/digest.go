package store

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// DigestQuery says which Monday digest to gather.
type DigestQuery struct {
	// Now is the digest's moment; its date in Location is the last day
	// whose scores count.
	Now      time.Time
	Location *time.Location // nil means UTC
	// PulseWeek is the ISO week whose pulse completion is reported; "" means
	// the week before Now.
	PulseWeek    string
	HistoryWeeks int // weekly points of the band chart; 0 means 8
	PulseMaxDays int // a pulse older than this no longer disagrees with data; 0 means 30
}

// Days a stored score stays current: an account not scored in the week up
// to a day has no score that day.
const digestScoreDays = 7

func (q DigestQuery) withDefaults() DigestQuery {
	if q.Location == nil {
		q.Location = time.UTC
	}
	if q.PulseWeek == "" {
		q.PulseWeek = scoring.ISOWeek(q.Now.In(q.Location).AddDate(0, 0, -7))
	}
	if q.HistoryWeeks <= 0 {
		q.HistoryWeeks = 8
	}
	if q.PulseMaxDays <= 0 {
		q.PulseMaxDays = 30
	}
	return q
}

// DigestInput gathers what scoring.BuildDigest summarises, in a handful of
// set-based queries on one read-only snapshot: the accounts and CSMs, the
// newest scores on or before the digest's day and those of a week earlier,
// the band distribution of the past weeks, recent pulses, the reported
// week's answers and the live expansion alerts.
func (s *Store) DigestInput(ctx context.Context, q DigestQuery) (scoring.DigestInput, error) {
	q = q.withDefaults()
	in := scoring.DigestInput{Now: q.Now, PulseWeek: q.PulseWeek, PulseMaxDays: q.PulseMaxDays}
	err := s.ReadOnly(ctx, func(ro *Store) error { return ro.gatherDigest(ctx, q, &in) })
	if err != nil {
		return scoring.DigestInput{}, fmt.Errorf("digest input: %w", err)
	}
	return in, nil
}

func (s *Store) gatherDigest(ctx context.Context, q DigestQuery, in *scoring.DigestInput) error {
	var err error
	if in.Accounts, err = s.Accounts(ctx); err != nil {
		return err
	}
	if in.CSMs, err = s.CSMs(ctx); err != nil {
		return err
	}
	y, m, d := q.Now.In(q.Location).Date()
	newest, err := s.q.DigestNewestScoreDay(ctx, pgDate(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
	if err != nil {
		return fmt.Errorf("newest score day: %w", err)
	}
	in.Today, in.LastWeek = map[int64]scoring.Score{}, map[int64]scoring.Score{}
	if newest.Valid {
		day := newest.Time
		if in.Today, err = s.digestScores(ctx, day); err != nil {
			return err
		}
		if in.LastWeek, err = s.digestScores(ctx, day.AddDate(0, 0, -7)); err != nil {
			return err
		}
		if in.History, err = s.bandHistory(ctx, day.AddDate(0, 0, -7*(q.HistoryWeeks-1)), day); err != nil {
			return err
		}
	}
	if in.Pulses, err = s.LatestPulses(ctx, q.Now.AddDate(0, 0, -2*q.PulseMaxDays), q.Now); err != nil {
		return err
	}
	if in.Answered, err = s.weekAnswers(ctx, q.PulseWeek); err != nil {
		return err
	}
	in.Expansion, err = s.expansionAlerts(ctx)
	return err
}

func (s *Store) digestScores(ctx context.Context, day time.Time) (map[int64]scoring.Score, error) {
	rows, err := s.q.DigestScores(ctx, db.DigestScoresParams{OnDate: pgDate(day), Days: digestScoreDays})
	if err != nil {
		return nil, fmt.Errorf("scores current on %s: %w", day.Format(time.DateOnly), err)
	}
	out := make(map[int64]scoring.Score, len(rows))
	for _, r := range rows {
		out[r.AccountID] = scoring.Score{
			AccountID: r.AccountID, AsOf: date(r.AsOf), Scorecard: r.Scorecard, Value: deref(r.Score),
			Band: scoring.Band(r.Band), Confidence: r.Confidence,
		}
	}
	return out, nil
}

func (s *Store) bandHistory(ctx context.Context, from, to time.Time) ([]scoring.WeekBands, error) {
	rows, err := s.q.DigestBandHistory(ctx, db.DigestBandHistoryParams{FromDate: pgDate(from), ToDate: pgDate(to)})
	if err != nil {
		return nil, fmt.Errorf("band history: %w", err)
	}
	var out []scoring.WeekBands
	for mark := from; !mark.After(to); mark = mark.AddDate(0, 0, 7) {
		out = append(out, scoring.WeekBands{Day: mark, Bands: map[scoring.Band]int{}})
	}
	for _, r := range rows {
		i := int(date(r.Mark).Sub(from).Hours()/24) / 7
		if i >= 0 && i < len(out) {
			out[i].Bands[scoring.Band(r.Band)] = int(r.Accounts)
		}
	}
	for len(out) > 0 && len(out[0].Bands) == 0 { // weeks before the first score
		out = out[1:]
	}
	return out, nil
}

func (s *Store) weekAnswers(ctx context.Context, week string) (map[int64]bool, error) {
	ids, err := s.q.DigestWeekAnswers(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("pulse answers of %s: %w", week, err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

func (s *Store) expansionAlerts(ctx context.Context) (map[int64]string, error) {
	rows, err := s.q.DigestExpansionAlerts(ctx)
	if err != nil {
		return nil, fmt.Errorf("expansion alerts: %w", err)
	}
	out := make(map[int64]string, len(rows))
	for _, r := range rows {
		out[r.AccountID] = r.Summary
	}
	return out, nil
}
