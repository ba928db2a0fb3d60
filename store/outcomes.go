package store

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/store/db"
)

// OutcomeKind is what happened to an account.
type OutcomeKind string

const (
	OutcomeChurn   OutcomeKind = "churn"
	OutcomeRenewal OutcomeKind = "renewal"
)

// Outcome is a churn or renewal, the question put to the owner and the answer.
type Outcome struct {
	ID          int64
	AccountID   int64
	Kind        OutcomeKind
	OccurredOn  time.Time // churned_at, or the renewal date that was renewed
	NextRenewal time.Time // renewals: the new renewal date
	DetectedAt  time.Time
	AskedAt     time.Time // zero until the question was sent
	AskedUser   string    // Slack user asked
	DMChannelID string
	DMMessageTS string
	Reasons     []string
	Note        string
	AnsweredBy  string
	AnsweredAt  time.Time // zero until answered
}

// NewOutcome is a detected churn or renewal to record.
type NewOutcome struct {
	AccountID   int64
	Kind        OutcomeKind
	OccurredOn  time.Time
	NextRenewal time.Time
}

// ChurnCandidate is an account that churned with no churn outcome recorded.
type ChurnCandidate struct {
	AccountID int64
	ChurnedAt time.Time
}

// RenewalChange is an account whose renewal date differs from the one
// seen last (SeenDate zero: never seen).
type RenewalChange struct {
	AccountID   int64
	RenewalDate time.Time
	SeenDate    time.Time
	ChurnedAt   time.Time
}

// ChurnsWithoutOutcome lists accounts churned on or after since that have
// no churn outcome for that date.
func (s *Store) ChurnsWithoutOutcome(ctx context.Context, since time.Time) ([]ChurnCandidate, error) {
	rows, err := s.q.ChurnsWithoutOutcome(ctx, pgDate(since))
	if err != nil {
		return nil, fmt.Errorf("churns without outcome: %w", err)
	}
	out := make([]ChurnCandidate, len(rows))
	for i, r := range rows {
		out[i] = ChurnCandidate{AccountID: r.ID, ChurnedAt: date(r.ChurnedAt)}
	}
	return out, nil
}

// RenewalDateChanges lists accounts whose renewal date changed since it was
// last marked seen, or was never seen.
func (s *Store) RenewalDateChanges(ctx context.Context) ([]RenewalChange, error) {
	rows, err := s.q.RenewalDateChanges(ctx)
	if err != nil {
		return nil, fmt.Errorf("renewal date changes: %w", err)
	}
	out := make([]RenewalChange, len(rows))
	for i, r := range rows {
		out[i] = RenewalChange{AccountID: r.ID, RenewalDate: date(r.RenewalDate), SeenDate: date(r.SeenDate), ChurnedAt: date(r.ChurnedAt)}
	}
	return out, nil
}

// RecordOutcomes stores detected outcomes (each account, kind and date
// once; repeats are ignored) and marks the given renewal dates seen, in
// one transaction.
func (s *Store) RecordOutcomes(ctx context.Context, outcomes []NewOutcome, seen []RenewalChange, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		for _, o := range outcomes {
			err := tx.q.InsertOutcome(ctx, db.InsertOutcomeParams{
				AccountID: o.AccountID, Kind: string(o.Kind), OccurredOn: pgDate(o.OccurredOn),
				NextRenewal: pgDate(o.NextRenewal), DetectedAt: at,
			})
			if err != nil {
				return fmt.Errorf("record %s of account %d: %w", o.Kind, o.AccountID, err)
			}
		}
		for _, c := range seen {
			if err := tx.q.MarkRenewalSeen(ctx, db.MarkRenewalSeenParams{AccountID: c.AccountID, RenewalDate: pgDate(c.RenewalDate), SeenAt: at}); err != nil {
				return fmt.Errorf("mark renewal date of account %d: %w", c.AccountID, err)
			}
		}
		return nil
	})
}

// ClaimUnaskedOutcomes takes, for this run, the outcomes detected since a
// time whose question was never sent and that no other run has held since
// staleBefore.
func (s *Store) ClaimUnaskedOutcomes(ctx context.Context, since, staleBefore, now time.Time) ([]Outcome, error) {
	rows, err := s.q.ClaimUnaskedOutcomes(ctx, db.ClaimUnaskedOutcomesParams{Since: since, StaleBefore: staleBefore, Now: now})
	if err != nil {
		return nil, fmt.Errorf("claim unasked outcomes: %w", err)
	}
	out := make([]Outcome, len(rows))
	for i, r := range rows {
		out[i] = outcomeFromRow(r)
	}
	return out, nil
}

// MarkOutcomeAsked records that the question was sent, and where.
func (s *Store) MarkOutcomeAsked(ctx context.Context, id int64, slackUser, channelID, ts string, at time.Time) error {
	return s.q.MarkOutcomeAsked(ctx, db.MarkOutcomeAskedParams{ID: id, AskedAt: at, AskedUser: slackUser, DmChannelID: channelID, DmMessageTs: ts})
}

// ReleaseOutcome gives back a claimed outcome whose question could not be sent.
func (s *Store) ReleaseOutcome(ctx context.Context, id int64) error {
	return s.q.ReleaseOutcome(ctx, id)
}

// Outcome returns one outcome, or ErrNotFound.
func (s *Store) Outcome(ctx context.Context, id int64) (Outcome, error) {
	r, err := s.q.GetOutcome(ctx, id)
	if err != nil {
		return Outcome{}, notFound(err)
	}
	return outcomeFromRow(r), nil
}

// AnswerOutcome stores the owner's answer (replacing an earlier one), or
// ErrNotFound.
func (s *Store) AnswerOutcome(ctx context.Context, id int64, reasons []string, note, by string, at time.Time) (Outcome, error) {
	if reasons == nil {
		reasons = []string{}
	}
	r, err := s.q.AnswerOutcome(ctx, db.AnswerOutcomeParams{ID: id, Reasons: reasons, Note: note, AnsweredBy: by, AnsweredAt: at})
	if err != nil {
		return Outcome{}, notFound(err)
	}
	return outcomeFromRow(r), nil
}

// OutcomeCounts is how many outcomes of one kind were detected, asked and
// answered, and how often answers named each reason.
type OutcomeCounts struct {
	Detected int64            `json:"detected"`
	Asked    int64            `json:"asked"`
	Answered int64            `json:"answered"`
	Reasons  map[string]int64 `json:"reasons"`
}

// OutcomeSummary tallies every outcome by kind ("churn", "renewal").
func (s *Store) OutcomeSummary(ctx context.Context) (map[OutcomeKind]OutcomeCounts, error) {
	tallies, err := s.q.OutcomeTallies(ctx)
	if err != nil {
		return nil, fmt.Errorf("outcome tallies: %w", err)
	}
	reasons, err := s.q.OutcomeReasonCounts(ctx)
	if err != nil {
		return nil, fmt.Errorf("outcome reasons: %w", err)
	}
	out := map[OutcomeKind]OutcomeCounts{}
	for _, t := range tallies {
		out[OutcomeKind(t.Kind)] = OutcomeCounts{Detected: t.Detected, Asked: t.Asked, Answered: t.Answered, Reasons: map[string]int64{}}
	}
	for _, r := range reasons {
		c, ok := out[OutcomeKind(r.Kind)]
		if !ok {
			c = OutcomeCounts{Reasons: map[string]int64{}}
		}
		c.Reasons[r.Reason] = r.N
		out[OutcomeKind(r.Kind)] = c
	}
	return out, nil
}

func outcomeFromRow(r db.Outcome) Outcome {
	return Outcome{
		ID: r.ID, AccountID: r.AccountID, Kind: OutcomeKind(r.Kind), OccurredOn: date(r.OccurredOn), NextRenewal: date(r.NextRenewal),
		DetectedAt: r.DetectedAt, AskedAt: deref(r.AskedAt), AskedUser: r.AskedUser, DMChannelID: r.DmChannelID,
		DMMessageTS: r.DmMessageTs, Reasons: r.Reasons, Note: r.Note, AnsweredBy: r.AnsweredBy, AnsweredAt: deref(r.AnsweredAt),
	}
}
