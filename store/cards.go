package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// Card is everything the account card shows, read in at most three queries.
type Card struct {
	Account   scoring.Account // Owner filled when the account has one
	Score     scoring.Score   // newest score; zero AsOf means not scored yet
	History   []ScorePoint    // oldest first, within the requested window before Score.AsOf
	LastPulse *scoring.Pulse  // nil when nobody answered a pulse yet
	Alerts    []OpenAlert     // newest first, not resolved
}

// ScorePoint is one stored score, for trends and charts.
type ScorePoint struct {
	AsOf  time.Time
	Value float64 // meaningless when Band is BandNone
	Band  scoring.Band
}

// OpenAlert is an alert that is not resolved yet.
type OpenAlert struct {
	ID           int64
	Kind         string
	Summary      string
	State        string
	FiredAt      time.Time
	SnoozedUntil time.Time
}

// MaxCardAlerts bounds the alerts one card lists.
const MaxCardAlerts = 10

// Card reads one account's card with historyDays of score history before its
// newest score. It returns ErrNotFound for an unknown id.
func (s *Store) Card(ctx context.Context, accountID int64, historyDays int) (Card, error) {
	row, err := s.q.CardAccount(ctx, accountID)
	if err != nil {
		return Card{}, notFound(err)
	}
	c := Card{Account: cardAccountFromRow(row), LastPulse: cardPulseFromRow(row)}
	if row.ScoreAsOf.Valid {
		if c.Score, err = cardScoreFromRow(row); err != nil {
			return Card{}, fmt.Errorf("account %d: %w", accountID, err)
		}
		since := c.Score.AsOf.AddDate(0, 0, -historyDays)
		hist, err := s.q.CardScoreHistory(ctx, db.CardScoreHistoryParams{AccountID: accountID, Since: pgDate(since)})
		if err != nil {
			return Card{}, fmt.Errorf("score history of account %d: %w", accountID, err)
		}
		c.History = make([]ScorePoint, len(hist))
		for i, h := range hist {
			c.History[i] = ScorePoint{AsOf: date(h.AsOf), Value: deref(h.Score), Band: scoring.Band(h.Band)}
		}
	}
	alerts, err := s.q.CardOpenAlerts(ctx, db.CardOpenAlertsParams{AccountID: accountID, MaxRows: MaxCardAlerts})
	if err != nil {
		return Card{}, fmt.Errorf("alerts of account %d: %w", accountID, err)
	}
	for _, a := range alerts {
		c.Alerts = append(c.Alerts, OpenAlert{
			ID: a.ID, Kind: a.Kind, Summary: a.Summary, State: a.State, FiredAt: a.FiredAt, SnoozedUntil: deref(a.SnoozedUntil),
		})
	}
	return c, nil
}

func cardAccountFromRow(r db.CardAccountRow) scoring.Account {
	a := accountFromRow(db.Account{
		ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Domain: r.Domain, Segment: r.Segment,
		Outcome: r.Outcome, OwnerID: r.OwnerID, Plan: r.Plan, Mrr: r.Mrr, Seats: r.Seats,
		RenewalDate: r.RenewalDate, StartedAt: r.StartedAt, ChurnedAt: r.ChurnedAt, Attributes: r.Attributes,
	})
	if r.OwnerID != nil {
		a.Owner = scoring.CSM{ID: *r.OwnerID, SlackUserID: deref(r.OwnerSlackUserID), Email: deref(r.OwnerEmail),
			Name: deref(r.OwnerName), TZ: deref(r.OwnerTz), Active: true}
	}
	return a
}

func cardScoreFromRow(r db.CardAccountRow) (scoring.Score, error) {
	return scoreFromRow(db.Score{
		AccountID: r.ID, AsOf: r.ScoreAsOf, Scorecard: r.ScoreScorecard, Score: r.ScoreValue, Band: r.ScoreBand,
		Confidence: r.ScoreConfidence, Subscores: r.ScoreSubscores, Contributions: r.ScoreContributions, Unscored: r.ScoreUnscored,
	})
}

func cardPulseFromRow(r db.CardAccountRow) *scoring.Pulse {
	if r.PulseID == 0 {
		return nil
	}
	return &scoring.Pulse{
		ID: r.PulseID, AccountID: r.ID, CSMID: deref(r.PulseCsmID), CSMName: deref(r.PulseCsmName),
		Rating: scoring.Rating(r.PulseRating), Reasons: r.PulseReasons, Note: r.PulseNote, Week: r.PulseWeek,
		AnsweredAt: r.PulseAnsweredAt, Source: r.PulseSource,
	}
}

// AccountLine is one live account as lists show it, from its current state
// (account_state): owner, newest score, the scores 7 and 28 days before it
// (scoring.ScoreAt), the newest pulse and the open alerts.
type AccountLine struct {
	Account   scoring.Account // ID, ExternalID, Name, Domain, Segment, OwnerID, Owner, MRR, Seats, RenewalDate
	ScoreAsOf time.Time       // zero: not scored yet
	Score     float64
	Band      scoring.Band
	Score7d   *float64 // nil: no score a week earlier
	Score28d  *float64
	PulseWeek string // "" when never answered
	Pulse     scoring.Rating
	PulseAt   time.Time
	// OpenAlerts counts the alerts not resolved.
	OpenAlerts int
}

// HasScoreRow reports whether the account has a stored score at all, be it
// "not enough data"; scoring.Scored(l.Band) says whether it is a real score.
func (l AccountLine) HasScoreRow() bool { return !l.ScoreAsOf.IsZero() }

// Trend is the line's 7- and 28-day changes; nil where the score then, or a
// real score now, is missing.
func (l AccountLine) Trend() (delta7, delta28 *float64) {
	if !scoring.Scored(l.Band) {
		return nil, nil
	}
	return diff(&l.Score, l.Score7d), diff(&l.Score, l.Score28d)
}

// LineFilter narrows AccountLines; zero fields do not filter.
type LineFilter struct {
	OwnerID    int64
	Segment    string // case-insensitive
	RenewsFrom time.Time
	RenewsTo   time.Time
	AtRisk     bool // only the accounts scoring.AtRisk names (in SQL, with its threshold)
	// MovedDays (7 or 28) lists only the MoversEach largest drops and rises
	// over that many days that scoring.Moved counts; the other filters do
	// not apply then. The caller still ranks them with scoring.Movers.
	MovedDays  int
	MoversEach int
	// Order, Offset and Limit cut one page out of the list in SQL, so a list
	// of thousands reads only the rows it shows; Limit 0 means all.
	Order  LineOrder
	Offset int
	Limit  int
}

// LineOrder is the order of AccountLines.
type LineOrder int

const (
	// ByName orders by name, then id.
	ByName LineOrder = iota
	// WorstFirst is blocks.WorstFirst's order: red, yellow, green, then the
	// rest; lowest score first within a scored band; then name (bytewise)
	// and id.
	WorstFirst
	// RenewalsFirst puts red and yellow accounts first, then orders by
	// renewal date, name (bytewise) and id: the renewals list.
	RenewalsFirst
)

func (o LineOrder) sql() string {
	switch o {
	case WorstFirst:
		return "worst"
	case RenewalsFirst:
		return "renewals"
	}
	return "name"
}

// BandTotal sums the lines of one band.
type BandTotal struct {
	Accounts int
	MRR      float64
	ScoreSum float64 // of the scores; meaningful for scored bands only
}

// LineTotals are the totals of a filtered list by band, BandNone for
// accounts without a real score (no score row, or "not enough data").
type LineTotals map[scoring.Band]BandTotal

// Accounts is how many lines the list has.
func (t LineTotals) Accounts() int {
	n := 0
	for _, b := range t {
		n += b.Accounts
	}
	return n
}

// MRR is the list's total MRR.
func (t LineTotals) MRR() float64 {
	m := 0.0
	for _, b := range t {
		m += b.MRR
	}
	return m
}

// LineTotals counts and sums the live accounts matching f (its filters, not
// its page or order) by band. MovedDays is not supported.
func (s *Store) LineTotals(ctx context.Context, f LineFilter) (LineTotals, error) {
	if f.MovedDays > 0 {
		return nil, fmt.Errorf("line totals: the movers filter has no totals")
	}
	p := summaryParams(f)
	rows, err := s.q.CardSummaryTotals(ctx, db.CardSummaryTotalsParams{
		OwnerID: p.OwnerID, Segment: p.Segment, RenewsFrom: p.RenewsFrom, RenewsTo: p.RenewsTo, AtRiskDrop: p.AtRiskDrop,
	})
	if err != nil {
		return nil, fmt.Errorf("list account totals: %w", err)
	}
	out := LineTotals{}
	for _, r := range rows {
		b := scoring.Band(r.Band)
		if !r.HasScoreRow || !scoring.Scored(b) {
			b = scoring.BandNone
		}
		t := out[b]
		t.Accounts += int(r.Accounts)
		t.MRR += r.Mrr
		t.ScoreSum += r.ScoreSum
		out[b] = t
	}
	return out, nil
}

func summaryParams(f LineFilter) db.CardSummariesParams {
	p := db.CardSummariesParams{
		OwnerID: ptrOrNil(f.OwnerID), Segment: ptrOrNil(f.Segment),
		RenewsFrom: pgDate(f.RenewsFrom), RenewsTo: pgDate(f.RenewsTo),
		LineOrder: f.Order.sql(), PageOffset: int64(max(0, f.Offset)),
	}
	if f.AtRisk {
		p.AtRiskDrop = ptrTo(scoring.AtRiskDrop)
	}
	if f.Limit > 0 {
		p.PageRows = ptrTo(int64(f.Limit))
	}
	return p
}

// AccountLines lists the live accounts matching f, in f.Order (by name
// unless told), the page f.Offset and f.Limit cut when they are set.
func (s *Store) AccountLines(ctx context.Context, f LineFilter) ([]AccountLine, error) {
	var rows []db.CardSummariesRow
	var err error
	if f.MovedDays > 0 {
		var moved []db.CardMoversRow
		moved, err = s.q.CardMovers(ctx, db.CardMoversParams{Days: int32(f.MovedDays), MoveMin: scoring.MoveMin, N: int32(f.MoversEach)})
		rows = make([]db.CardSummariesRow, len(moved))
		for i, r := range moved {
			rows[i] = db.CardSummariesRow(r)
		}
	} else {
		rows, err = s.q.CardSummaries(ctx, summaryParams(f))
	}
	if err != nil {
		return nil, fmt.Errorf("list account summaries: %w", err)
	}
	out := make([]AccountLine, len(rows))
	for i, r := range rows {
		a := scoring.Account{
			ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Domain: r.Domain, Segment: r.Segment,
			OwnerID: deref(r.OwnerID), MRR: r.Mrr, Seats: int(r.Seats), RenewalDate: date(r.RenewalDate),
		}
		if r.OwnerID != nil {
			a.Owner = scoring.CSM{ID: *r.OwnerID, SlackUserID: deref(r.OwnerSlackUserID), Name: deref(r.OwnerName), Email: deref(r.OwnerEmail)}
		}
		out[i] = AccountLine{
			Account: a, ScoreAsOf: date(r.ScoreAsOf), Score: deref(r.ScoreValue), Band: scoring.Band(r.ScoreBand),
			Score7d: r.Score7d, Score28d: r.Score28d,
			PulseWeek: r.PulseWeek, Pulse: scoring.Rating(r.PulseRating), PulseAt: r.PulseAnsweredAt,
			OpenAlerts: int(r.OpenAlerts),
		}
	}
	return out, nil
}

// LookupEntry is what account lookup matches on.
type LookupEntry struct {
	ID         int64
	ExternalID string
	Name       string
	Domain     string
	Segment    string
	Churned    bool
	CRMURL     string // the account's "crm_url" attribute, "" when unset
}

// LookupEntries lists every account (churned ones too) by id.
func (s *Store) LookupEntries(ctx context.Context) ([]LookupEntry, error) {
	rows, err := s.q.CardLookupAccounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("list account names: %w", err)
	}
	out := make([]LookupEntry, len(rows))
	for i, r := range rows {
		out[i] = LookupEntry{ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Domain: r.Domain, Segment: r.Segment, Churned: r.ChurnedAt.Valid, CRMURL: r.CrmUrl}
	}
	return out, nil
}

// LookupVersion changes whenever an account is added or updated, so callers
// can cache LookupEntries until it does. Deletions do not move it.
func (s *Store) LookupVersion(ctx context.Context) (string, error) {
	v, err := s.q.CardAccountsVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("account list version: %w", err)
	}
	return strconv.FormatInt(v.MaxID, 10) + "/" + strconv.FormatInt(v.MaxUpdated.UnixMicro(), 10), nil
}

// SegmentSize is a segment and how many live accounts it has.
type SegmentSize struct {
	Segment  string
	Accounts int
}

// LiveSegments lists the segments of live accounts.
func (s *Store) LiveSegments(ctx context.Context) ([]SegmentSize, error) {
	rows, err := s.q.CardSegments(ctx)
	if err != nil {
		return nil, fmt.Errorf("list segments: %w", err)
	}
	out := make([]SegmentSize, len(rows))
	for i, r := range rows {
		out[i] = SegmentSize{Segment: r.Segment, Accounts: int(r.N)}
	}
	return out, nil
}
