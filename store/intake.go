package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// IntakeSignal is one signal from the intake API, ready to write: its
// account resolved. Signals are keyed by (account, metric, observed_at,
// source): a signal sent again with the same key replaces the value.
type IntakeSignal struct {
	AccountID  int64
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// IntakeSignals writes rows through the signal writer, all or nothing,
// checking once that every account still exists, and returns how many rows
// were inserted or changed. A key repeated within rows keeps its last row.
func (s *Store) IntakeSignals(ctx context.Context, rows []IntakeSignal) (int64, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	recs := make([]signalRec, len(rows))
	for i, r := range rows {
		recs[i] = signalRec{Line: int64(i), AccountID: r.AccountID, Metric: r.Metric, ObservedAt: r.ObservedAt, Value: r.Value, Source: r.Source}
	}
	ins, upd, err := s.writeSignals(ctx, recs, true)
	if err != nil {
		return 0, fmt.Errorf("write %d signals: %w", len(rows), err)
	}
	return ins + upd, nil
}

// AccountIDsByExternalID maps the external ids that exist to account ids;
// unknown ones are absent from the map.
func (s *Store) AccountIDsByExternalID(ctx context.Context, externalIDs []string) (map[string]int64, error) {
	rows, err := s.q.IntakeAccountIDs(ctx, externalIDs)
	if err != nil {
		return nil, fmt.Errorf("look up accounts: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.ExternalID] = r.ID
	}
	return out, nil
}

// AccountsByExternalID returns the accounts that exist among externalIDs,
// keyed by external id.
func (s *Store) AccountsByExternalID(ctx context.Context, externalIDs []string) (map[string]scoring.Account, error) {
	rows, err := s.q.IntakeAccountsByExternalIDs(ctx, externalIDs)
	if err != nil {
		return nil, fmt.Errorf("look up accounts: %w", err)
	}
	out := make(map[string]scoring.Account, len(rows))
	for _, r := range rows {
		out[r.ExternalID] = accountFromRow(r)
	}
	return out, nil
}

// CSMIDs maps the CSMs that exist among emails (case-insensitive, keyed in
// lower case) and Slack user ids to their ids.
func (s *Store) CSMIDs(ctx context.Context, emails, slackIDs []string) (byEmail, bySlack map[string]int64, err error) {
	lower := make([]string, len(emails))
	for i, e := range emails {
		lower[i] = strings.ToLower(e)
	}
	er, err := s.q.IntakeCSMIDsByEmail(ctx, lower)
	if err != nil {
		return nil, nil, fmt.Errorf("look up csms: %w", err)
	}
	sr, err := s.q.IntakeCSMIDsBySlackID(ctx, slackIDs)
	if err != nil {
		return nil, nil, fmt.Errorf("look up csms: %w", err)
	}
	byEmail, bySlack = make(map[string]int64, len(er)), make(map[string]int64, len(sr))
	for _, r := range er {
		byEmail[r.Email] = r.ID
	}
	for _, r := range sr {
		bySlack[r.SlackUserID] = r.ID
	}
	return byEmail, bySlack, nil
}

// IntakePulse inserts or replaces the pulse of p's account and week.
func (s *Store) IntakePulse(ctx context.Context, p scoring.Pulse) error {
	reasons := p.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	err := s.q.IntakeUpsertPulse(ctx, db.IntakeUpsertPulseParams{
		AccountID: p.AccountID, CsmID: ptrOrNil(p.CSMID), Rating: string(p.Rating), Reasons: reasons,
		Note: p.Note, Week: p.Week, AnsweredAt: p.AnsweredAt, Source: p.Source,
	})
	if err != nil {
		return fmt.Errorf("write pulse for account %d week %s: %w", p.AccountID, p.Week, err)
	}
	return nil
}
