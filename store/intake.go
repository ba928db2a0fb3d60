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

// storedKeysSQL says whether signal holds any of the given exact keys,
// accounts named by external id.
const storedKeysSQL = `SELECT EXISTS (
	SELECT 1 FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[]) AS k(e, m, at, src)
	JOIN account a ON a.external_id = k.e
	JOIN signal s ON s.account_id = a.id AND s.metric = k.m AND s.observed_at = k.at AND s.source = k.src)`

const accountIDsSQL = `SELECT id, external_id FROM account WHERE external_id = ANY($1::text[])`

// restProbeKeys is how many of a REST batch's keys the staging step probes.
const restProbeKeys = 8

// stageExternalSignals is the staging step for rows naming accounts by
// external id: it makes the months' partitions, then in one round trip
// resolves the accounts and probes a sample of the batch's keys, and
// returns the rows as the writer's records.
//
// The probe only picks the strategy; the primary key decides. Probing
// every (account, metric) span, as stageSignals does for an import's large
// chunks, cost a REST batch of 1,000 about as much as its COPY (1,000
// index descents, most of them reading pages the COPY then finds cached).
// A few keys spread over the batch catch the usual repeat, a client
// sending a batch again, so it is merged at once; a batch that repeats
// only keys the sample missed is merged after its COPY fails on the
// primary key (a wasted COPY of at most one request, rolled back, and
// nothing half-written).
func (s *Store) stageExternalSignals(ctx context.Context, rows []ExternalSignal) (recs []signalRec, conflicts bool, months []time.Time, unknown []string, err error) {
	months = monthsOf(func(yield func(time.Time) bool) {
		for i := range rows {
			if !yield(rows[i].ObservedAt) {
				return
			}
		}
	})
	ids := make(map[string]int64) // 0 until found: account ids start at 1
	for i := range rows {
		ids[rows[i].Account] = 0
	}
	externals := make([]string, 0, len(ids))
	for e := range ids {
		externals = append(externals, e)
	}
	n := min(restProbeKeys, len(rows))
	es, ms, ats, srcs := make([]string, n), make([]string, n), make([]time.Time, n), make([]string, n)
	for k := range n {
		r := &rows[k*(len(rows)-1)/max(n-1, 1)]
		es[k], ms[k], ats[k], srcs[k] = r.Account, r.Metric, r.ObservedAt, r.Source
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
	b.Queue(storedKeysSQL, es, ms, ats, srcs).QueryRow(func(row pgx.Row) error { return row.Scan(&conflicts) })
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
