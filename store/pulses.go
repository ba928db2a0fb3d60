package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// PulseOwner is a CSM who gets the weekly check-in: active, owning live accounts.
type PulseOwner struct {
	CSM      scoring.CSM
	Accounts int
}

// PulseOwners lists active CSMs who own at least one live account, by id.
func (s *Store) PulseOwners(ctx context.Context) ([]PulseOwner, error) {
	rows, err := s.q.PulseOwners(ctx)
	if err != nil {
		return nil, fmt.Errorf("list pulse owners: %w", err)
	}
	out := make([]PulseOwner, len(rows))
	for i, r := range rows {
		out[i] = PulseOwner{
			CSM:      scoring.CSM{ID: r.ID, SlackUserID: deref(r.SlackUserID), Email: deref(r.Email), Name: r.Name, TZ: r.Tz, Active: true},
			Accounts: int(r.Accounts),
		}
	}
	return out, nil
}

// PulseOwnedAccountIDs lists the live accounts a CSM owns.
func (s *Store) PulseOwnedAccountIDs(ctx context.Context, csmID int64) ([]int64, error) {
	ids, err := s.q.PulseOwnedAccountIDs(ctx, &csmID)
	if err != nil {
		return nil, fmt.Errorf("list accounts of csm %d: %w", csmID, err)
	}
	return ids, nil
}

// PulseAccount is one account as a check-in lists it.
type PulseAccount struct {
	ID        int64
	Name      string
	OwnerID   int64
	ScoreAsOf time.Time // zero: never scored
	Score     float64
	Band      scoring.Band
	Last      *scoring.Pulse // newest pulse of an earlier week; nil if none
	Answer    *scoring.Pulse // the answer for the week asked about; nil if none
}

// Scored reports whether the account has a stored score.
func (a PulseAccount) Scored() bool { return !a.ScoreAsOf.IsZero() }

// PulseAccounts reads accounts for a check-in page about week, in the order
// of ids; ids that no longer exist are left out.
func (s *Store) PulseAccounts(ctx context.Context, ids []int64, week string) ([]PulseAccount, error) {
	rows, err := s.q.PulseAccounts(ctx, db.PulseAccountsParams{Ids: ids, Week: week})
	if err != nil {
		return nil, fmt.Errorf("read pulse accounts: %w", err)
	}
	out := make([]PulseAccount, len(rows))
	for i, r := range rows {
		a := PulseAccount{ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, ScoreAsOf: date(r.ScoreAsOf),
			Score: deref(r.ScoreValue), Band: scoring.Band(r.ScoreBand)}
		if r.LastRating != "" {
			a.Last = &scoring.Pulse{AccountID: r.ID, Rating: scoring.Rating(r.LastRating), Week: r.LastWeek, AnsweredAt: r.LastAnsweredAt}
		}
		if r.PulseID != 0 {
			a.Answer = &scoring.Pulse{ID: r.PulseID, AccountID: r.ID, CSMID: r.PulseCsmID, Rating: scoring.Rating(r.Rating),
				Reasons: r.Reasons, Note: r.Note, Week: week, AnsweredAt: r.AnsweredAt}
		}
		out[i] = a
	}
	return out, nil
}

// RecordPulseRating stores a rating for an account's week: one row per
// account and week, so a second click changes the answer; reasons and a
// note given earlier that week are kept.
func (s *Store) RecordPulseRating(ctx context.Context, p scoring.Pulse) (int64, error) {
	if p.Source == "" {
		p.Source = "slack"
	}
	id, err := s.q.RecordPulseRating(ctx, db.RecordPulseRatingParams{
		AccountID: p.AccountID, CsmID: ptrOrNil(p.CSMID), Rating: string(p.Rating), Week: p.Week,
		AnsweredAt: p.AnsweredAt, Source: p.Source,
	})
	if err != nil {
		return 0, fmt.Errorf("record pulse for account %d week %s: %w", p.AccountID, p.Week, missingRef(err))
	}
	return id, nil
}

// missingRef turns a foreign-key violation (the account or CSM was deleted)
// into ErrNotFound, so callers can say so rather than fail.
func missingRef(err error) error {
	if pe, ok := errors.AsType[*pgconn.PgError](err); ok && pe.Code == "23503" {
		return fmt.Errorf("%w: %s", ErrNotFound, pe.Detail)
	}
	return err
}

// Kinds of pulse message.
const (
	PulseCheckin  = "checkin"
	PulseReminder = "reminder"
)

// PulseMessage is one DM of a check-in or reminder: which CSM and week it
// asks about and which accounts its page lists.
type PulseMessage struct {
	CSMID      int64
	Week       string
	Kind       string // PulseCheckin or PulseReminder
	Page       int    // 0-based
	ChannelID  string
	TS         string
	AccountIDs []int64
	SentAt     time.Time
}

// SavePulseMessage records a sent DM, right after Slack accepted it.
func (s *Store) SavePulseMessage(ctx context.Context, m PulseMessage) error {
	err := s.q.SavePulseMessage(ctx, db.SavePulseMessageParams{
		CsmID: m.CSMID, Week: m.Week, Kind: m.Kind, Page: int32(m.Page), ChannelID: m.ChannelID, Ts: m.TS,
		AccountIds: m.AccountIDs, SentAt: m.SentAt,
	})
	if err != nil {
		return fmt.Errorf("record pulse message for csm %d week %s: %w", m.CSMID, m.Week, err)
	}
	return nil
}

// PulseMessageAt finds the pulse DM with this channel and ts, or ErrNotFound.
func (s *Store) PulseMessageAt(ctx context.Context, channelID, ts string) (PulseMessage, error) {
	r, err := s.q.PulseMessageAt(ctx, db.PulseMessageAtParams{ChannelID: channelID, Ts: ts})
	if err != nil {
		return PulseMessage{}, notFound(err)
	}
	return pulseMessageFromRow(r), nil
}

// PulseMessagesOf lists one CSM's pulse DMs about a week, check-ins first.
func (s *Store) PulseMessagesOf(ctx context.Context, csmID int64, week string) ([]PulseMessage, error) {
	rows, err := s.q.PulseMessagesOf(ctx, db.PulseMessagesOfParams{CsmID: csmID, Week: week})
	if err != nil {
		return nil, fmt.Errorf("list pulse messages of csm %d week %s: %w", csmID, week, err)
	}
	out := make([]PulseMessage, len(rows))
	for i, r := range rows {
		out[i] = pulseMessageFromRow(r)
	}
	return out, nil
}

func pulseMessageFromRow(r db.PulseMessage) PulseMessage {
	return PulseMessage{CSMID: r.CsmID, Week: r.Week, Kind: r.Kind, Page: int(r.Page), ChannelID: r.ChannelID, TS: r.Ts,
		AccountIDs: r.AccountIds, SentAt: r.SentAt}
}

// PulseSent summarises the DMs of one kind sent to one CSM about one week.
type PulseSent struct {
	CSMID     int64
	Week      string
	Kind      string
	Pages     int
	FirstSent time.Time
}

// PulseSentMessages summarises what was sent about any of weeks.
func (s *Store) PulseSentMessages(ctx context.Context, weeks []string) ([]PulseSent, error) {
	rows, err := s.q.PulseSentMessages(ctx, weeks)
	if err != nil {
		return nil, fmt.Errorf("list sent pulse messages: %w", err)
	}
	out := make([]PulseSent, len(rows))
	for i, r := range rows {
		out[i] = PulseSent{CSMID: r.CsmID, Week: r.Week, Kind: r.Kind, Pages: int(r.Pages), FirstSent: r.FirstSent}
	}
	return out, nil
}

// PulseFinishedSlots returns the finished per-CSM pulse claims of weeks
// (job names starting with "pulse"), as "name|slot" keys.
func (s *Store) PulseFinishedSlots(ctx context.Context, weeks []string) (map[string]bool, error) {
	rows, err := s.q.PulseFinishedSlots(ctx, weeks)
	if err != nil {
		return nil, fmt.Errorf("list finished pulse slots: %w", err)
	}
	out := make(map[string]bool, len(rows))
	for _, r := range rows {
		out[r.Name+"|"+r.Slot] = true
	}
	return out, nil
}

// PulseGap is one CSM's completion of a week's pulse.
type PulseGap struct {
	CSM      scoring.CSM
	Total    int      // live accounts owned
	Answered int      // of them with a pulse for the week
	Missing  []string // names of those without, sorted
}

// PulseCompletion lists, per active CSM owning live accounts, how many have
// a pulse for week and which do not; least complete first. The digest's
// "who has not answered" follow-up reads it.
func (s *Store) PulseCompletion(ctx context.Context, week string) ([]PulseGap, error) {
	rows, err := s.q.PulseCompletion(ctx, week)
	if err != nil {
		return nil, fmt.Errorf("pulse completion for %s: %w", week, err)
	}
	out := make([]PulseGap, len(rows))
	for i, r := range rows {
		out[i] = PulseGap{
			CSM:   scoring.CSM{ID: r.ID, SlackUserID: deref(r.SlackUserID), Email: deref(r.Email), Name: r.Name, Active: true},
			Total: int(r.Total), Answered: int(r.Answered), Missing: r.Missing,
		}
	}
	return out, nil
}
