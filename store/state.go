package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// AccountState is one account's current state (table account_state): what
// lists, App Home, the digest and the question tools read instead of the
// score history.
type AccountState struct {
	AccountID  int64
	AsOf       time.Time // the newest score's day; zero: never scored
	Score      *float64  // nil when not enough data
	Band       scoring.Band
	Score7d    *float64 // scoring.ScoreAt(AsOf − ShortDeltaDays)
	Band7d     scoring.Band
	Score28d   *float64 // scoring.ScoreAt(AsOf − LongDeltaDays)
	BandSince  time.Time
	PulseWeek  string
	Pulse      scoring.Rating
	PulseAt    time.Time
	OpenAlerts int
}

// refreshState recomputes the score part of the current state of the given
// accounts (all when ids is nil) and the band counts of the given days (all
// when days is nil). UpsertScores calls it in its transaction, so every score
// write — a daily run, a backfill, a fixture — leaves the state as a daily
// run would.
func (s *Store) refreshState(ctx context.Context, ids []int64, days []pgtype.Date) error {
	p := db.RefreshAccountStateParams{
		ShortDays: scoring.ShortDeltaDays, LongDays: scoring.LongDeltaDays, MaxAgeDays: scoring.ScoreAtMaxAgeDays, Ids: ids,
	}
	if ids != nil && len(days) > 0 { // the refresh may trust a state older than every day written
		p.WrittenFrom = slices.MinFunc(days, func(a, b pgtype.Date) int { return a.Time.Compare(b.Time) })
	}
	if err := s.q.RefreshAccountState(ctx, p); err != nil {
		return fmt.Errorf("refresh account state: %w", err)
	}
	if err := s.q.DeleteBandDays(ctx, days); err != nil {
		return fmt.Errorf("refresh band counts: %w", err)
	}
	if err := s.q.RefreshBandDays(ctx, days); err != nil {
		return fmt.Errorf("refresh band counts: %w", err)
	}
	return nil
}

// RebuildState recomputes the whole current state from the score history.
// Migrate runs it once after creating the table; a load that bypasses
// UpsertScores (a bulk COPY) must run it too.
func (s *Store) RebuildState(ctx context.Context) error {
	return s.InTx(ctx, func(tx *Store) error {
		// The score writers' lock: score_band_day rows are keyed by day and
		// band, so two writers of one day must queue in the same order, or
		// each waits for a row the other inserted (deadlock, 40P01).
		if err := tx.lockXact(ctx, lockScoreWrites); err != nil {
			return fmt.Errorf("rebuild account state: %w", err)
		}
		return tx.refreshState(ctx, nil, nil)
	})
}

// AccountStates reads the state rows of ids (all when ids is nil), by account id.
func (s *Store) AccountStates(ctx context.Context, ids []int64) ([]AccountState, error) {
	rows, err := s.q.AccountStates(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("account states: %w", err)
	}
	out := make([]AccountState, len(rows))
	for i, r := range rows {
		out[i] = AccountState{
			AccountID: r.AccountID, AsOf: date(r.AsOf), Score: r.Score, Band: scoring.Band(r.Band),
			Score7d: r.Score7d, Band7d: scoring.Band(r.Band7d), Score28d: r.Score28d, BandSince: date(r.BandSince),
			PulseWeek: r.PulseWeek, Pulse: scoring.Rating(r.PulseRating), PulseAt: deref(r.PulseAnsweredAt),
			OpenAlerts: int(r.OpenAlerts),
		}
	}
	return out, nil
}

// distinctIDs lists the accounts of scores once each, sorted.
func distinctIDs(scores []scoring.Score) []int64 {
	ids := make([]int64, len(scores))
	for i, sc := range scores {
		ids[i] = sc.AccountID
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// StatesAt returns the state of ids as of day: the stored current state
// where it is at or before day, and otherwise the same state rebuilt from
// the score history up to day by scoring's rules (a digest or question
// about a day before the newest scores). Accounts without a score on or
// before day are left out. A rebuilt state's BandSince looks back no
// further than the window the deltas need.
func (s *Store) StatesAt(ctx context.Context, ids []int64, day time.Time) (map[int64]AccountState, error) {
	day = scoring.Day(day)
	stored, err := s.AccountStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]AccountState, len(stored))
	var past []int64
	for _, st := range stored {
		switch {
		case st.AsOf.IsZero():
		case st.AsOf.After(day):
			past = append(past, st.AccountID)
		default:
			out[st.AccountID] = st
		}
	}
	if len(past) == 0 {
		return out, nil
	}
	rows, err := s.q.ScoresInWindow(ctx, db.ScoresInWindowParams{Ids: past, OnDate: pgDate(day),
		Days: int32(scoring.LongDeltaDays + scoring.ScoreAtMaxAgeDays)})
	if err != nil {
		return nil, fmt.Errorf("score history up to %s: %w", day.Format(time.DateOnly), err)
	}
	byAccount := map[int64][]scoring.Score{}
	for _, r := range rows {
		byAccount[r.AccountID] = append(byAccount[r.AccountID], scoring.Score{
			AccountID: r.AccountID, AsOf: date(r.AsOf), Value: deref(r.Score), Band: scoring.Band(r.Band)})
	}
	for id, scores := range byAccount {
		out[id] = stateOf(scores)
	}
	return out, nil
}

// stateOf is the score part of an account's state from its scores, oldest
// first: what RefreshAccountState computes in SQL, here by scoring's
// functions (store tests hold the two equal).
func stateOf(scores []scoring.Score) AccountState {
	cur := scores[len(scores)-1]
	st := AccountState{AccountID: cur.AccountID, AsOf: scoring.Day(cur.AsOf), Band: cur.Band, BandSince: scoring.Day(cur.AsOf)}
	if cur.HasScore() {
		st.Score = ptrTo(cur.Value)
	}
	series := scoring.Series(scores)
	if p, ok := scoring.PointAt(series, st.AsOf.AddDate(0, 0, -scoring.ShortDeltaDays)); ok {
		st.Score7d, st.Band7d = ptrTo(p.Value), p.Band
	}
	if p, ok := scoring.PointAt(series, st.AsOf.AddDate(0, 0, -scoring.LongDeltaDays)); ok {
		st.Score28d = ptrTo(p.Value)
	}
	for i := len(scores) - 2; i >= 0 && scores[i].Band == cur.Band; i-- {
		st.BandSince = scoring.Day(scores[i].AsOf)
	}
	return st
}
