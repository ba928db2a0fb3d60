package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// The read side of plain-language questions (bot/ask). Every function here
// only reads, and ask runs them through ReadOnly so that even a bug cannot
// turn a question into a write.

// AskMaxRows caps every list the question tools can ask for.
const AskMaxRows = 50

// ReadOnly runs fn inside a READ ONLY transaction that is always rolled
// back: on a pool it is a fresh transaction opened read-only; on a store that
// already wraps a transaction it is a savepoint switched to read-only, which
// Postgres allows at any point and restores on rollback.
func (s *Store) ReadOnly(ctx context.Context, fn func(ro *Store) error) error {
	var (
		tx  pgx.Tx
		err error
	)
	if b, ok := s.db.(interface {
		BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
	}); ok {
		tx, err = b.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	} else {
		tx, err = s.db.Begin(ctx)
		if err == nil {
			_, err = tx.Exec(ctx, "SET TRANSACTION READ ONLY")
		}
	}
	if err != nil {
		if tx != nil {
			_ = tx.Rollback(ctx)
		}
		return fmt.Errorf("begin read-only: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return fn(New(tx))
}

// AskFilter selects accounts for AskSearchAccounts. Zero values mean "any".
type AskFilter struct {
	AsOf              time.Time // scores at or before this date; required
	Segment           string    // exact, case-insensitive
	Band              scoring.Band
	Owner             string // CSM name (substring), email or Slack user id
	RenewalWithinDays *int   // renewal date in [AsOf, AsOf+N]
	MinScore          *float64
	MaxScore          *float64
	Trend             string // "dropping", "rising" (a change scoring.Moved counts) or ""
	TrendDays         int    // 7 or 28 (default)
	AtRisk            bool   // only the accounts scoring.AtRisk names
	Sort              string // score_asc (default), score_desc, change_asc, change_desc, renewal_asc, mrr_desc, name
	Limit             int    // 1..AskMaxRows; 0 means AskMaxRows
}

// AskBrief is one account in a list answer.
type AskBrief struct {
	ID          int64
	ExternalID  string
	Name        string
	Segment     string
	Owner       string
	MRR         float64
	RenewalDate time.Time // zero: unknown
	ScoreAsOf   time.Time // zero: never scored
	Score       float64
	Band        scoring.Band // BandNone when unscored
	Change7d    *float64
	Change28d   *float64
}

// Scored reports whether the account has a usable score.
func (b AskBrief) Scored() bool { return scoring.Scored(b.Band) }

// AskSearchAccounts lists live accounts matching f and how many matched in all.
func (s *Store) AskSearchAccounts(ctx context.Context, f AskFilter) ([]AskBrief, int, error) {
	p := db.AskSearchAccountsParams{
		AsOf: pgDate(f.AsOf), Segment: nilIfEmpty(f.Segment), Band: nilIfEmpty(string(f.Band)),
		Owner: nilIfEmpty(f.Owner), OwnerPattern: nilIfEmpty(LikeEscape(f.Owner)),
		MinScore: f.MinScore, MaxScore: f.MaxScore, Trend: nilIfEmpty(f.Trend),
		TrendDays: scoring.LongDeltaDays, Sort: f.Sort, Lim: int32(clampRows(f.Limit)), MoveMin: scoring.MoveMin,
	}
	if f.TrendDays == scoring.ShortDeltaDays {
		p.TrendDays = scoring.ShortDeltaDays
	}
	if f.AtRisk {
		p.AtRiskDrop = ptrTo(scoring.AtRiskDrop)
	}
	if p.Sort == "" {
		p.Sort = "score_asc"
	}
	if f.RenewalWithinDays != nil {
		d := int32(*f.RenewalWithinDays)
		p.RenewalWithinDays = &d
	}
	rows, err := s.q.AskSearchAccounts(ctx, p)
	if err != nil {
		return nil, 0, fmt.Errorf("search accounts: %w", err)
	}
	out := make([]AskBrief, len(rows))
	total := 0
	for i, r := range rows {
		out[i] = AskBrief{
			ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Segment: r.Segment, Owner: r.OwnerName,
			MRR: r.Mrr, RenewalDate: date(r.RenewalDate), ScoreAsOf: date(r.ScoreAsOf),
			Score: deref(r.Score), Band: scoring.Band(r.Band),
			Change7d: diff(r.Score, r.Score7dAgo), Change28d: diff(r.Score, r.Score28dAgo),
		}
		total = int(r.Total)
	}
	return out, total, nil
}

// AskMatch is an account found by name (bot/ask finds them with health.Lookup,
// the one account lookup).
type AskMatch struct {
	ID         int64
	Name       string
	ExternalID string
	Exact      bool // the name, external id or domain equals the query
}

// AskDetail is one account with everything its card shows.
type AskDetail struct {
	AskBrief
	Domain       string
	Plan         string
	Seats        int
	OwnerSlackID string
	ChurnedAt    time.Time
	Confidence   float64
	Scorecard    string
	Subscores    map[scoring.Family]float64
	Drivers      []scoring.Contribution // most negative first, as stored
}

// AskAccount returns one account's card data as of a date, or ErrNotFound.
func (s *Store) AskAccount(ctx context.Context, id int64, asOf time.Time) (AskDetail, error) {
	r, err := s.q.AskAccount(ctx, db.AskAccountParams{ID: id, AsOf: pgDate(asOf)})
	if err != nil {
		return AskDetail{}, notFound(err)
	}
	d := AskDetail{
		AskBrief: AskBrief{
			ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Segment: r.Segment, Owner: r.OwnerName,
			MRR: r.Mrr, RenewalDate: date(r.RenewalDate), ScoreAsOf: date(r.ScoreAsOf),
			Score: deref(r.Score), Band: scoring.Band(r.Band),
		},
		Domain: r.Domain, Plan: r.Plan, Seats: int(r.Seats), OwnerSlackID: r.OwnerSlackID,
		ChurnedAt: date(r.ChurnedAt), Confidence: r.Confidence, Scorecard: r.Scorecard,
		Subscores: map[scoring.Family]float64{},
	}
	if r.ScoreAsOf.Valid {
		states, err := s.StatesAt(ctx, []int64{id}, date(r.ScoreAsOf))
		if err != nil {
			return AskDetail{}, fmt.Errorf("account %d: %w", id, err)
		}
		st := states[id]
		d.Change7d, d.Change28d = diff(r.Score, st.Score7d), diff(r.Score, st.Score28d)
	}
	if err := json.Unmarshal(r.Subscores, &d.Subscores); err != nil {
		return AskDetail{}, fmt.Errorf("account %d subscores: %w", id, err)
	}
	if d.Drivers, err = decodeContributions(r.Contributions); err != nil {
		return AskDetail{}, fmt.Errorf("account %d contributions: %w", id, err)
	}
	return d, nil
}

// AskPoint is one day of an account's score history.
type AskPoint struct {
	AsOf  time.Time
	Score float64
	Band  scoring.Band
}

// AskScoreHistory returns the scores of the days days up to asOf, oldest
// first; days is clamped to 1..365.
func (s *Store) AskScoreHistory(ctx context.Context, accountID int64, asOf time.Time, days int) ([]AskPoint, error) {
	days = max(1, min(days, 365))
	rows, err := s.q.AskScoreHistory(ctx, db.AskScoreHistoryParams{AccountID: accountID, AsOf: pgDate(asOf), Days: int32(days)})
	if err != nil {
		return nil, fmt.Errorf("score history: %w", err)
	}
	out := make([]AskPoint, 0, len(rows))
	for _, r := range rows {
		if r.Score == nil {
			continue
		}
		out = append(out, AskPoint{AsOf: date(r.AsOf), Score: *r.Score, Band: scoring.Band(r.Band)})
	}
	return out, nil
}

// AskAlert is one alert with its account's name.
type AskAlert struct {
	ID           int64
	AccountID    int64
	Account      string
	Kind         string
	Summary      string
	State        string
	FiredAt      time.Time
	SnoozedUntil time.Time
}

// AskAlerts lists alerts newest first, of one account (accountID > 0) or of
// all; state is "open" (default), "unresolved" or "all".
func (s *Store) AskAlerts(ctx context.Context, accountID int64, state string, now time.Time, limit int) ([]AskAlert, error) {
	if state == "" {
		state = "open"
	}
	rows, err := s.q.AskAlerts(ctx, db.AskAlertsParams{AccountID: ptrOrNil(accountID), State: state, Now: now, Lim: int32(clampRows(limit))})
	if err != nil {
		return nil, fmt.Errorf("alerts: %w", err)
	}
	out := make([]AskAlert, len(rows))
	for i, r := range rows {
		out[i] = AskAlert{ID: r.ID, AccountID: r.AccountID, Account: r.AccountName, Kind: r.Kind, Summary: r.Summary, State: r.State,
			FiredAt: r.FiredAt, SnoozedUntil: deref(r.SnoozedUntil)}
	}
	return out, nil
}

// AskPulses lists an account's pulses, newest first.
func (s *Store) AskPulses(ctx context.Context, accountID int64, limit int) ([]scoring.Pulse, error) {
	rows, err := s.q.AskPulses(ctx, db.AskPulsesParams{AccountID: accountID, Lim: int32(clampRows(limit))})
	if err != nil {
		return nil, fmt.Errorf("pulses: %w", err)
	}
	out := make([]scoring.Pulse, len(rows))
	for i, r := range rows {
		out[i] = scoring.Pulse{AccountID: accountID, CSMName: r.CsmName, Rating: scoring.Rating(r.Rating),
			Reasons: r.Reasons, Note: r.Note, Week: r.Week, AnsweredAt: r.AnsweredAt}
	}
	return out, nil
}

// AskGroup is one line of a portfolio summary.
type AskGroup struct {
	Name                     string // segment or owner; "" for unsegmented/unowned or the whole portfolio
	Accounts                 int
	Green, Yellow, Red, None int
	ScoredAccounts           int
	AvgScore                 float64 // over scored accounts; 0 when none
	MRR, MRRRed              float64
	RenewingIn90Days         int
}

// AskPortfolio summarises live accounts grouped by "segment", "owner" or
// "none" (one line), optionally within one segment.
func (s *Store) AskPortfolio(ctx context.Context, groupBy, segment string, asOf time.Time) ([]AskGroup, error) {
	rows, err := s.q.AskPortfolio(ctx, db.AskPortfolioParams{GroupBy: groupBy, Segment: nilIfEmpty(segment), AsOf: pgDate(asOf),
		RenewalDays: scoring.DefaultRenewalDays})
	if err != nil {
		return nil, fmt.Errorf("portfolio: %w", err)
	}
	out := make([]AskGroup, len(rows))
	for i, r := range rows {
		g := AskGroup{Name: r.Grp, Accounts: int(r.Accounts), Green: int(r.Green), Yellow: int(r.Yellow),
			Red: int(r.Red), None: int(r.NoScore), MRR: r.Mrr, MRRRed: r.MrrRed,
			RenewingIn90Days: int(r.Renewing90d), ScoredAccounts: int(r.Scored)}
		if r.Scored > 0 {
			g.AvgScore = r.ScoreSum / float64(r.Scored)
		}
		out[i] = g
	}
	return out, nil
}

// AskName is a live account's name and segment, for spotting names in text.
type AskName struct {
	ID      int64
	Name    string
	Segment string
	Domain  string
}

// AskVocabulary lists live accounts' names (at most 5000) and the distinct
// segments among them.
func (s *Store) AskVocabulary(ctx context.Context, asOf time.Time) ([]AskName, []string, error) {
	rows, err := s.q.AskVocabulary(ctx, pgDate(asOf))
	if err != nil {
		return nil, nil, fmt.Errorf("vocabulary: %w", err)
	}
	out := make([]AskName, len(rows))
	seen := map[string]bool{}
	var segments []string
	for i, r := range rows {
		out[i] = AskName{ID: r.ID, Name: r.Name, Segment: r.Segment, Domain: r.Domain}
		if r.Segment != "" && !seen[strings.ToLower(r.Segment)] {
			seen[strings.ToLower(r.Segment)] = true
			segments = append(segments, r.Segment)
		}
	}
	sort.Strings(segments)
	return out, segments, nil
}

// AskOwners lists active CSMs' names (at most 200).
func (s *Store) AskOwners(ctx context.Context) ([]string, error) {
	rows, err := s.q.AskOwners(ctx)
	if err != nil {
		return nil, fmt.Errorf("owners: %w", err)
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Name
	}
	return out, nil
}

// LikeEscape escapes LIKE's wildcards so user text matches literally.
func LikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// clampRows bounds a requested row count to 1..AskMaxRows; 0 or less means the most.
func clampRows(n int) int {
	if n <= 0 {
		return AskMaxRows
	}
	return min(n, AskMaxRows)
}

func ptrTo[T any](v T) *T { return &v }

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func diff(now, then *float64) *float64 {
	if now == nil || then == nil {
		return nil
	}
	d := *now - *then
	return &d
}
