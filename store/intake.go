package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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

// ExternalSignal is one signal from the intake API naming its account by
// external id, as the client sent it.
type ExternalSignal struct {
	Account    string // external id
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// IntakeSignalsByExternalID writes rows through the signal writer, all or
// nothing, and returns how many rows were inserted or changed. Its staging
// step resolves the accounts and probes for stored keys in one round trip
// (the REST intake's hot path: a separate lookup before the write cost a
// round trip and a second existence check per request). When some account
// does not exist nothing is written and unknown lists their external ids,
// sorted. A key repeated within rows keeps its last row.
func (s *Store) IntakeSignalsByExternalID(ctx context.Context, rows []ExternalSignal) (written int64, unknown []string, err error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	recs, conflicts, months, unknown, err := s.stageExternalSignals(ctx, rows)
	if err != nil || len(unknown) > 0 {
		return 0, unknown, err
	}
	ins, upd, err := s.writeStaged(ctx, recs, conflicts, months)
	if err != nil {
		return 0, nil, fmt.Errorf("write %d signals: %w", len(rows), err)
	}
	return ins + upd, nil, nil
}

// overlapExternalSQL is overlapSignalsSQL for keys naming accounts by
// external id; an unknown account has no stored rows.
const overlapExternalSQL = `SELECT EXISTS (
	SELECT 1 FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS k(e, m, lo, hi)
	JOIN account a ON a.external_id = k.e
	WHERE EXISTS (SELECT 1 FROM signal s WHERE s.account_id = a.id AND s.metric = k.m AND s.observed_at BETWEEN k.lo AND k.hi))`

const accountIDsSQL = `SELECT id, external_id FROM account WHERE external_id = ANY($1::text[])`

// stageExternalSignals is stageSignals for rows naming accounts by
// external id: it makes the months' partitions, then in one round trip
// resolves the accounts and asks whether any stored row could share a key
// with the batch, and returns the rows as the writer's records.
func (s *Store) stageExternalSignals(ctx context.Context, rows []ExternalSignal) (recs []signalRec, conflicts bool, months []time.Time, unknown []string, err error) {
	months = monthsOf(func(yield func(time.Time) bool) {
		for i := range rows {
			if !yield(rows[i].ObservedAt) {
				return
			}
		}
	})
	type pair struct{ e, m string }
	spans := spansOf(len(rows), func(i int) (pair, time.Time) {
		return pair{rows[i].Account, rows[i].Metric}, rows[i].ObservedAt
	})
	es, ms := make([]string, 0, len(spans)), make([]string, 0, len(spans))
	los, his := make([]time.Time, 0, len(spans)), make([]time.Time, 0, len(spans))
	ids := make(map[string]int64)
	for k, sp := range spans {
		es, ms, los, his = append(es, k.e), append(ms, k.m), append(los, sp.lo), append(his, sp.hi)
		ids[k.e] = 0
	}
	externals := make([]string, 0, len(ids))
	for e := range ids {
		externals = append(externals, e)
	}

	if err := s.ensureMonths(ctx, "signal", months); err != nil {
		return nil, false, nil, nil, err
	}
	b := &pgx.Batch{}
	b.Queue(accountIDsSQL, externals).Query(func(rows pgx.Rows) error {
		var id int64
		var ext string
		_, err := pgx.ForEachRow(rows, []any{&id, &ext}, func() error {
			ids[ext] = id
			return nil
		})
		return err
	})
	b.Queue(overlapExternalSQL, es, ms, los, his).QueryRow(func(row pgx.Row) error { return row.Scan(&conflicts) })
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return nil, false, nil, nil, fmt.Errorf("stage %d signals: %w", len(rows), err)
	}
	for e, id := range ids {
		if id == 0 {
			unknown = append(unknown, e)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, false, nil, unknown, nil
	}
	recs = make([]signalRec, len(rows))
	for i, r := range rows {
		recs[i] = signalRec{Line: int64(i), AccountID: ids[r.Account], Metric: r.Metric, ObservedAt: r.ObservedAt, Value: r.Value, Source: r.Source}
	}
	return recs, conflicts, months, nil, nil
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
