package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// UpsertScores writes one row per score, replacing any row of the same
// account and as-of date, in one transaction: the rows it replaces are
// deleted, then the new ones are COPied straight into score. That parses
// each row once, where a staging table and INSERT … ON CONFLICT
// wrote every row twice. A transaction-scoped advisory lock serialises
// concurrent writers, so two runs of the same day replace each other's rows
// instead of colliding on the primary key. JSON is encoded row by row while
// copying (see appendContributions for its form and rounding), so a large
// run never holds every encoded row at once. The same transaction refreshes
// the current state (account_state, score_band_day) of the accounts and
// days written.
func (s *Store) UpsertScores(ctx context.Context, scores []scoring.Score) (int64, error) {
	return s.writeScores(ctx, scores, true)
}

// UpsertScoresLeavingState writes scores as UpsertScores does but leaves
// the current state as it was: a backfill writes a year of days one by one
// and refreshes the state once at the end (RefreshState with every account
// and day it wrote), where a refresh per day cost it as much as the day's
// write. Until then lists and App Home read the state from before the
// backfill.
func (s *Store) UpsertScoresLeavingState(ctx context.Context, scores []scoring.Score) (int64, error) {
	return s.writeScores(ctx, scores, false)
}

// RefreshState recomputes the current state of accounts and the band
// counts of days from the score history, as the writes of UpsertScores
// would have left them: the end of a backfill that wrote those accounts on
// those days with UpsertScoresLeavingState.
func (s *Store) RefreshState(ctx context.Context, accounts []int64, days []time.Time) error {
	if len(accounts) == 0 || len(days) == 0 {
		return nil
	}
	ids := slices.Clone(accounts)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	ds := make([]pgtype.Date, len(days))
	for i, d := range days {
		ds[i] = pgDate(d)
	}
	return s.InTx(ctx, func(tx *Store) error {
		if err := tx.lockXact(ctx, lockScoreWrites); err != nil {
			return fmt.Errorf("refresh account state: %w", err)
		}
		if _, err := tx.db.Exec(ctx, `SET LOCAL jit = off`); err != nil { // see writeScores
			return fmt.Errorf("refresh account state: %w", err)
		}
		return tx.refreshState(ctx, ids, distinctDays(ds))
	})
}

func (s *Store) writeScores(ctx context.Context, scores []scoring.Score, refresh bool) (int64, error) {
	if len(scores) == 0 {
		return 0, nil
	}
	accounts, days := make([]int64, len(scores)), make([]pgtype.Date, len(scores))
	type key struct {
		account int64
		day     time.Time
	}
	seen := make(map[key]bool, len(scores))
	for i, sc := range scores {
		k := key{sc.AccountID, scoring.Day(sc.AsOf)}
		if seen[k] {
			return 0, fmt.Errorf("write scores: account %d has two scores for %s", sc.AccountID, k.day.Format(time.DateOnly))
		}
		seen[k] = true
		accounts[i], days[i] = sc.AccountID, pgDate(sc.AsOf)
	}
	written := distinctDays(days)
	var n int64
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.lockXact(ctx, lockScoreWrites); err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
		// The state refresh is a few index probes per account; its plan's
		// cost crosses jit_above_cost at a few thousand accounts, and
		// compiling it took longer than running it (1.7 s → 0.8 s at 10,000
		// accounts in BenchmarkScoringRun18M's schema).
		if _, err := tx.db.Exec(ctx, `SET LOCAL jit = off`); err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
		// A backfill's day commits without waiting for its WAL (~20 MB at
		// 10,000 accounts) to reach the disk, so the flush overlaps the next
		// day's work. A crash can lose the last days written — never
		// corrupt them — and they are rewritten by running the backfill
		// again; the state refresh that ends the backfill commits
		// synchronously.
		if !refresh {
			if _, err := tx.db.Exec(ctx, `SET LOCAL synchronous_commit = off`); err != nil {
				return fmt.Errorf("write scores: %w", err)
			}
		}
		// A day with no rows yet (every day of a first backfill, every
		// daily run's new day) has nothing to replace: one probe of
		// score_as_of_idx instead of a primary-key probe per row. The lock
		// keeps another writer from adding rows in between.
		var existing bool
		if err := tx.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM score WHERE as_of = ANY($1::date[]))`, written).Scan(&existing); err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
		if existing {
			if _, err := tx.db.Exec(ctx, `DELETE FROM score s USING unnest($1::bigint[], $2::date[]) AS k(account_id, as_of)
				WHERE s.account_id = k.account_id AND s.as_of = k.as_of`, accounts, days); err != nil {
				return fmt.Errorf("write scores: %w", err)
			}
		}
		copied, err := tx.db.CopyFrom(ctx, pgx.Identifier{"score"}, scoreColumns, &scoreRows{scores: scores, i: -1})
		if err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
		n = copied
		if !refresh {
			return nil
		}
		return tx.refreshState(ctx, distinctIDs(scores), written)
	})
	return n, err
}

// distinctDays lists days once each.
func distinctDays(days []pgtype.Date) []pgtype.Date {
	seen := make(map[pgtype.Date]bool, 4)
	var out []pgtype.Date
	for _, d := range days {
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

var scoreColumns = []string{"account_id", "as_of", "scorecard", "score", "band", "confidence", "subscores", "contributions", "computed_at", "unscored"}

// scoreRows feeds scores to COPY one row at a time. pgx encodes each row
// before asking for the next, so the JSON buffers are reused.
type scoreRows struct {
	scores         []scoring.Score
	i              int
	now            time.Time
	subs, contribs []byte
}

func (r *scoreRows) Next() bool {
	if r.now.IsZero() {
		r.now = time.Now()
	}
	r.i++
	return r.i < len(r.scores)
}

func (r *scoreRows) Values() ([]any, error) {
	sc := r.scores[r.i]
	if sc.Band == "" {
		return nil, fmt.Errorf("score of account %d on %s has no band", sc.AccountID, sc.AsOf.Format(time.DateOnly))
	}
	r.subs = appendSubscores(r.subs[:0], sc.Subscores)
	r.contribs = appendContributions(r.contribs[:0], sc.Drivers)
	var value *float64
	if sc.HasScore() {
		value = &sc.Value
	}
	var unscored []byte // NULL when scored
	if sc.Unscored != nil && !sc.HasScore() {
		var err error
		if unscored, err = json.Marshal(sc.Unscored); err != nil {
			return nil, fmt.Errorf("score of account %d: explanation: %w", sc.AccountID, err)
		}
	}
	return []any{sc.AccountID, pgDate(sc.AsOf), sc.Scorecard, value, string(sc.Band), sc.Confidence, r.subs, r.contribs, r.now, unscored}, nil
}

func (r *scoreRows) Err() error { return nil }

// LatestScores is each account's newest score.
func (s *Store) LatestScores(ctx context.Context) ([]scoring.Score, error) {
	rows, err := s.q.LatestScores(ctx)
	if err != nil {
		return nil, fmt.Errorf("latest scores: %w", err)
	}
	return scoresFromRows(rows)
}

// ScoresOnOrBefore is each account's newest score on or before day: the
// scores that were current then.
func (s *Store) ScoresOnOrBefore(ctx context.Context, day time.Time) ([]scoring.Score, error) {
	rows, err := s.q.ScoresOnOrBefore(ctx, pgDate(day))
	if err != nil {
		return nil, fmt.Errorf("scores on or before %s: %w", day.Format(time.DateOnly), err)
	}
	return scoresFromRows(rows)
}

// ScoresAt is every score computed for exactly that day.
func (s *Store) ScoresAt(ctx context.Context, day time.Time) ([]scoring.Score, error) {
	rows, err := s.q.ScoresAt(ctx, pgDate(day))
	if err != nil {
		return nil, fmt.Errorf("scores at %s: %w", day.Format(time.DateOnly), err)
	}
	return scoresFromRows(rows)
}

// ScoreAt is one account's score on one day, or ErrNotFound.
func (s *Store) ScoreAt(ctx context.Context, accountID int64, day time.Time) (scoring.Score, error) {
	row, err := s.q.ScoreAt(ctx, db.ScoreAtParams{AccountID: accountID, AsOf: pgDate(day)})
	if err != nil {
		return scoring.Score{}, notFound(err)
	}
	return scoreFromRow(row)
}

// LatestScore is one account's newest score, or ErrNotFound.
func (s *Store) LatestScore(ctx context.Context, accountID int64) (scoring.Score, error) {
	row, err := s.q.LatestScore(ctx, accountID)
	if err != nil {
		return scoring.Score{}, notFound(err)
	}
	return scoreFromRow(row)
}

// ScoreHistory is one account's scores from one day to another
// (inclusive), oldest first.
func (s *Store) ScoreHistory(ctx context.Context, accountID int64, from, to time.Time) ([]scoring.Score, error) {
	rows, err := s.q.ScoreHistory(ctx, db.ScoreHistoryParams{AccountID: accountID, FromDate: pgDate(from), ToDate: pgDate(to)})
	if err != nil {
		return nil, fmt.Errorf("score history of account %d: %w", accountID, err)
	}
	return scoresFromRows(rows)
}

func scoresFromRows(rows []db.Score) ([]scoring.Score, error) {
	out := make([]scoring.Score, len(rows))
	for i, r := range rows {
		sc, err := scoreFromRow(r)
		if err != nil {
			return nil, err
		}
		out[i] = sc
	}
	return out, nil
}

func scoreFromRow(r db.Score) (scoring.Score, error) {
	sc := scoring.Score{
		AccountID: r.AccountID, AsOf: date(r.AsOf), Scorecard: r.Scorecard, Value: deref(r.Score),
		Band: scoring.Band(r.Band), Confidence: r.Confidence,
	}
	if err := json.Unmarshal(r.Subscores, &sc.Subscores); err != nil {
		return scoring.Score{}, fmt.Errorf("score of account %d: subscores: %w", r.AccountID, err)
	}
	var err error
	if sc.Drivers, err = decodeContributions(r.Contributions); err != nil {
		return scoring.Score{}, fmt.Errorf("score of account %d: contributions: %w", r.AccountID, err)
	}
	if len(r.Unscored) > 0 {
		sc.Unscored = &scoring.NotEnoughData{}
		if err := json.Unmarshal(r.Unscored, sc.Unscored); err != nil {
			return scoring.Score{}, fmt.Errorf("score of account %d: explanation: %w", r.AccountID, err)
		}
	}
	return sc, nil
}
