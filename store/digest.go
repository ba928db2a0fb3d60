package store

import (
	"context"
	"fmt"
	"maps"
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
// set-based queries on one read-only snapshot: the accounts and CSMs, their
// current state (newest score, the score a week before it, newest pulse),
// the band distribution of the past weeks, the reported week's answers and
// the live expansion alerts.
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
	if err := s.digestStates(ctx, time.Date(y, m, d, 0, 0, 0, 0, time.UTC), q, in); err != nil {
		return err
	}
	if in.Answered, err = s.weekAnswers(ctx, q.PulseWeek); err != nil {
		return err
	}
	in.Expansion, err = s.expansionAlerts(ctx)
	return err
}

// digestStates fills Today, LastWeek, Pulses and History from the current
// state: each account's newest score on or before the digest's day (current
// when fewer than scoring.ScoreAtMaxAgeDays older than the newest score day)
// with the score ShortDeltaDays before it, its newest pulse answered within
// twice PulseMaxDays, and the band counts at weekly marks.
func (s *Store) digestStates(ctx context.Context, today time.Time, q DigestQuery, in *scoring.DigestInput) error {
	rows, err := s.q.DigestStates(ctx)
	if err != nil {
		return fmt.Errorf("account states: %w", err)
	}
	states := make(map[int64]AccountState, len(rows))
	var past []int64 // scored after the digest's day: rebuilt as of that day
	for _, r := range rows {
		st := AccountState{AccountID: r.AccountID, AsOf: date(r.AsOf), Score: r.Score, Band: scoring.Band(r.Band),
			Score7d: r.Score7d, Band7d: scoring.Band(r.Band7d), Score28d: r.Score28d}
		if st.AsOf.After(today) {
			past = append(past, r.AccountID)
		} else if !st.AsOf.IsZero() {
			states[r.AccountID] = st
		}
	}
	if len(past) > 0 {
		rebuilt, err := s.StatesAt(ctx, past, today)
		if err != nil {
			return err
		}
		maps.Copy(states, rebuilt)
	}
	var newest time.Time
	for _, st := range states {
		if st.AsOf.After(newest) {
			newest = st.AsOf
		}
	}
	in.Today, in.LastWeek, in.FourWeeks = map[int64]scoring.Score{}, map[int64]scoring.Score{}, map[int64]scoring.Score{}
	in.Pulses = map[int64]scoring.Pulse{}
	pulseSince := q.Now.AddDate(0, 0, -2*q.PulseMaxDays)
	for _, r := range rows {
		if at := deref(r.PulseAnsweredAt); r.PulseWeek != "" && at.After(pulseSince) && !at.After(q.Now) {
			in.Pulses[r.AccountID] = scoring.Pulse{AccountID: r.AccountID, Rating: scoring.Rating(r.PulseRating), Week: r.PulseWeek, AnsweredAt: at}
		}
	}
	for id, st := range states {
		if newest.Sub(st.AsOf) >= scoring.ScoreAtMaxAgeDays*24*time.Hour {
			continue // not scored in the week up to the newest score day
		}
		in.Today[id] = scoring.Score{AccountID: id, AsOf: st.AsOf, Value: deref(st.Score), Band: st.Band}
		if st.Score7d != nil {
			in.LastWeek[id] = scoring.Score{AccountID: id, AsOf: st.AsOf.AddDate(0, 0, -scoring.ShortDeltaDays),
				Value: *st.Score7d, Band: st.Band7d}
		}
		if st.Score28d != nil {
			in.FourWeeks[id] = scoring.Score{AccountID: id, AsOf: st.AsOf.AddDate(0, 0, -scoring.LongDeltaDays),
				Value: *st.Score28d} // the state keeps no band for it
		}
	}
	if newest.IsZero() {
		return nil
	}
	in.History, err = s.bandHistory(ctx, newest.AddDate(0, 0, -7*(q.HistoryWeeks-1)), newest)
	return err
}

func (s *Store) bandHistory(ctx context.Context, from, to time.Time) ([]scoring.WeekBands, error) {
	rows, err := s.q.BandHistory(ctx, db.BandHistoryParams{FromDate: pgDate(from), ToDate: pgDate(to), MaxAgeDays: scoring.ScoreAtMaxAgeDays})
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
