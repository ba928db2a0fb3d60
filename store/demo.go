package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// DemoSlackIDPrefix starts the Slack user id of every demo CSM; together with
// accounts whose attributes hold {"demo": true} it tells demo rows from real
// ones.
const DemoSlackIDPrefix = "U0DEMO"

// DemoEmailDomain is the email domain of every demo CSM (ingest/demo uses
// it too). A demo CSM played by a real Slack user (demo --slack-user) is
// told from real ones by it.
const DemoEmailDomain = "healthbot-demo.example"

// DemoData is a generated portfolio to load. Its IDs are local: an account's
// ID is its position in Accounts plus one, a CSM's likewise, and OwnerID,
// AccountID and CSMID refer to those.
type DemoData struct {
	CSMs     []scoring.CSM
	Accounts []scoring.Account
	Signals  []scoring.Observation
	Pulses   []scoring.Pulse
}

// DemoLoad counts what LoadDemo wrote and what it removed first.
type DemoLoad struct {
	RemovedAccounts int64
	CSMs            int64
	Accounts        int64
	Signals         int64
	Pulses          int64
}

// NonDemoDataError is returned when the database holds data the demo did not
// write; LoadDemo refuses to delete it unless told to reset.
type NonDemoDataError struct {
	Accounts, CSMs int64
}

func (e *NonDemoDataError) Error() string {
	return fmt.Sprintf("the database holds %d accounts and %d CSMs that are not demo data; "+
		"use a separate database for the demo, or pass --reset to delete ALL accounts, CSMs, "+
		"signals, events, pulses, scores and alerts first", e.Accounts, e.CSMs)
}

// LoadDemo replaces the portfolio with d in one transaction: it removes the
// previous portfolio (refusing with *NonDemoDataError when some of it is not
// demo data, unless reset), then bulk-loads d with COPY.
func (s *Store) LoadDemo(ctx context.Context, d DemoData, reset bool) (DemoLoad, error) {
	var res DemoLoad
	// The months' partitions first, before the transaction truncates
	// signal: made then, they need no lock it holds.
	if err := s.ensureDemoMonths(ctx, d.Signals); err != nil {
		return res, err
	}
	err := s.InTx(ctx, func(tx *Store) error {
		if !reset {
			n, err := tx.q.CountNonDemoData(ctx, db.CountNonDemoDataParams{DemoSlackPrefix: DemoSlackIDPrefix, DemoEmailDomain: DemoEmailDomain})
			if err != nil {
				return fmt.Errorf("check for non-demo data: %w", err)
			}
			if n.Accounts > 0 || n.Csms > 0 {
				return &NonDemoDataError{Accounts: n.Accounts, CSMs: n.Csms}
			}
		}
		removed, err := tx.wipePortfolio(ctx)
		if err != nil {
			return err
		}
		res, err = tx.copyDemo(ctx, d)
		res.RemovedAccounts = removed
		return err
	})
	return res, err
}

// wipePortfolio deletes every account and CSM and what hangs off them. The
// big leaf tables are truncated; the rest is deleted so each foreign key's
// ON DELETE rule applies.
func (s *Store) wipePortfolio(ctx context.Context) (int64, error) {
	if _, err := s.db.Exec(ctx, "TRUNCATE signal, event"); err != nil {
		return 0, fmt.Errorf("clear signals and events: %w", err)
	}
	tag, err := s.db.Exec(ctx, "DELETE FROM account")
	if err != nil {
		return 0, fmt.Errorf("delete accounts: %w", err)
	}
	if _, err := s.db.Exec(ctx, "DELETE FROM csm"); err != nil {
		return 0, fmt.Errorf("delete CSMs: %w", err)
	}
	return tag.RowsAffected(), nil
}

func (s *Store) copyDemo(ctx context.Context, d DemoData) (DemoLoad, error) {
	var res DemoLoad
	csmIDs, err := s.insertDemoCSMs(ctx, d.CSMs)
	if err != nil {
		return res, err
	}
	res.CSMs = int64(len(csmIDs))
	accountIDs, err := s.copyDemoAccounts(ctx, d.Accounts, csmIDs)
	if err != nil {
		return res, err
	}
	res.Accounts = int64(len(d.Accounts))
	if res.Signals, err = s.copyDemoSignals(ctx, d, accountIDs); err != nil {
		return res, err
	}
	res.Pulses, err = s.copyDemoPulses(ctx, d.Pulses, accountIDs, csmIDs)
	return res, err
}

// insertDemoCSMs inserts the CSMs and returns local id → database id.
func (s *Store) insertDemoCSMs(ctx context.Context, csms []scoring.CSM) (map[int64]int64, error) {
	ids := make(map[int64]int64, len(csms))
	for _, c := range csms {
		var id int64
		err := s.db.QueryRow(ctx,
			`INSERT INTO csm (slack_user_id, email, name, tz, active) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			ptrOrNil(c.SlackUserID), ptrOrNil(c.Email), c.Name, c.TZ, c.Active).Scan(&id)
		if err != nil {
			return nil, fmt.Errorf("insert CSM %q: %w", c.Name, err)
		}
		ids[c.ID] = id
	}
	return ids, nil
}

// copyDemoAccounts COPYs the accounts and returns local id → database id.
func (s *Store) copyDemoAccounts(ctx context.Context, accounts []scoring.Account, csmIDs map[int64]int64) ([]int64, error) {
	rows := make([][]any, len(accounts))
	for i, a := range accounts {
		var owner *int64
		if id, ok := csmIDs[a.OwnerID]; ok {
			owner = &id
		}
		rows[i] = []any{a.ExternalID, a.Name, a.Domain, a.Segment, a.Outcome, owner, a.Plan, a.MRR, int32(a.Seats),
			pgDate(a.RenewalDate), pgDate(a.StartedAt), pgDate(a.ChurnedAt), jsonBytes(a.Attributes)}
	}
	_, err := s.db.CopyFrom(ctx, pgx.Identifier{"account"},
		[]string{"external_id", "name", "domain", "segment", "outcome", "owner_id", "plan", "mrr", "seats",
			"renewal_date", "started_at", "churned_at", "attributes"},
		pgx.CopyFromRows(rows))
	if err != nil {
		return nil, fmt.Errorf("copy accounts: %w", err)
	}
	byExt := make(map[string]int64, len(accounts))
	dbRows, err := s.db.Query(ctx, "SELECT id, external_id FROM account")
	if err != nil {
		return nil, fmt.Errorf("read account ids: %w", err)
	}
	var id int64
	var ext string
	if _, err := pgx.ForEachRow(dbRows, []any{&id, &ext}, func() error { byExt[ext] = id; return nil }); err != nil {
		return nil, fmt.Errorf("read account ids: %w", err)
	}
	ids := make([]int64, len(accounts)+1) // index = local id
	for i, a := range accounts {
		ids[i+1] = byExt[a.ExternalID]
	}
	return ids, nil
}

func (s *Store) copyDemoSignals(ctx context.Context, d DemoData, accountIDs []int64) (int64, error) {
	var n int64
	err := s.withoutIndexes(ctx, "signal", func() error {
		src := &demoSignalSource{signals: d.Signals, accounts: d.Accounts, ids: accountIDs, i: -1}
		var err error
		n, err = s.db.CopyFrom(ctx, pgx.Identifier{"signal"},
			signalColumns, src)
		if err != nil {
			return fmt.Errorf("copy signals: %w", err)
		}
		return nil
	})
	return n, err
}

// ensureDemoMonths makes the signal partitions of the demo's months.
func (s *Store) ensureDemoMonths(ctx context.Context, signals []scoring.Observation) error {
	if len(signals) == 0 {
		return nil
	}
	from, to := signals[0].ObservedAt, signals[0].ObservedAt
	for _, o := range signals {
		if o.ObservedAt.Before(from) {
			from = o.ObservedAt
		}
		if o.ObservedAt.After(to) {
			to = o.ObservedAt
		}
	}
	return s.EnsurePartitions(ctx, from, to)
}

// rebuildStep is one index or constraint withoutIndexes drops and restores.
type rebuildStep struct{ drop, create string }

// withoutIndexes runs load with table's foreign keys, unique constraints and
// plain indexes dropped, then rebuilds them in one pass each before the
// transaction commits. For a bulk load into an emptied table this is
// PostgreSQL's own advice ("Populating a Database"): measured on 420k demo
// signals, row-by-row foreign-key checks cost ~4x the COPY and incremental
// index upkeep ~2x a rebuild. The transaction hides the gap from readers.
func (s *Store) withoutIndexes(ctx context.Context, table string, load func() error) error {
	steps, err := s.rebuildSteps(ctx, table)
	if err != nil {
		return err
	}
	for _, st := range steps {
		if _, err := s.db.Exec(ctx, st.drop); err != nil {
			return fmt.Errorf("prepare %s for bulk load (%s): %w", table, st.drop, err)
		}
	}
	if err := load(); err != nil {
		return err
	}
	for i := len(steps) - 1; i >= 0; i-- {
		if _, err := s.db.Exec(ctx, steps[i].create); err != nil {
			return fmt.Errorf("restore %s after bulk load (%s): %w", table, steps[i].create, err)
		}
	}
	return nil
}

// rebuildSteps reads table's foreign keys, unique and primary keys and other
// indexes (in that drop order) from the catalog, with the exact DDL that
// recreates each, so later migrations are honoured without code changes.
func (s *Store) rebuildSteps(ctx context.Context, table string) ([]rebuildStep, error) {
	tbl := pgx.Identifier{table}.Sanitize()
	rows, err := s.db.Query(ctx, `
		SELECT 1 AS ord, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = to_regclass($1) AND contype = 'f'
		UNION ALL
		SELECT 2, conname::text, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = to_regclass($1) AND contype IN ('u', 'p')
		UNION ALL
		SELECT 3, i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
		WHERE i.indrelid = to_regclass($1) AND NOT EXISTS (
			SELECT 1 FROM pg_constraint c WHERE c.conrelid = i.indrelid AND c.conindid = i.indexrelid)
		ORDER BY 1, 2`, table)
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", table, err)
	}
	var steps []rebuildStep
	var ord int
	var name, def string
	_, err = pgx.ForEachRow(rows, []any{&ord, &name, &def}, func() error {
		if ord == 3 { // an index: its name is already quoted as regclass text
			steps = append(steps, rebuildStep{drop: "DROP INDEX " + name, create: def})
			return nil
		}
		con := pgx.Identifier{name}.Sanitize()
		steps = append(steps, rebuildStep{
			drop:   "ALTER TABLE " + tbl + " DROP CONSTRAINT " + con,
			create: "ALTER TABLE " + tbl + " ADD CONSTRAINT " + con + " " + def,
		})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read indexes of %s: %w", table, err)
	}
	return steps, nil
}

// demoSignalSource streams signals into COPY, resolving each account.
type demoSignalSource struct {
	signals  []scoring.Observation
	accounts []scoring.Account
	ids      []int64
	i        int
	err      error
}

func (s *demoSignalSource) Next() bool {
	s.i++
	return s.i < len(s.signals) && s.err == nil
}

func (s *demoSignalSource) Values() ([]any, error) {
	o := s.signals[s.i]
	if o.AccountID < 1 || int(o.AccountID) > len(s.accounts) {
		s.err = fmt.Errorf("signal %d refers to account %d, which the portfolio does not have", s.i, o.AccountID)
		return nil, s.err
	}
	return []any{s.ids[o.AccountID], o.Metric, o.ObservedAt, o.Value, o.Source}, nil
}

func (s *demoSignalSource) Err() error { return s.err }

func (s *Store) copyDemoPulses(ctx context.Context, pulses []scoring.Pulse, accountIDs []int64, csmIDs map[int64]int64) (int64, error) {
	rows := make([][]any, len(pulses))
	for i, p := range pulses {
		if p.AccountID < 1 || int(p.AccountID) >= len(accountIDs) {
			return 0, fmt.Errorf("pulse %d refers to account %d, which the portfolio does not have", i, p.AccountID)
		}
		var csm *int64
		if id, ok := csmIDs[p.CSMID]; ok {
			csm = &id
		}
		reasons := p.Reasons
		if reasons == nil {
			reasons = []string{}
		}
		rows[i] = []any{accountIDs[p.AccountID], csm, string(p.Rating), reasons, p.Note, p.Week, p.AnsweredAt, p.Source}
	}
	n, err := s.db.CopyFrom(ctx, pgx.Identifier{"pulse"},
		[]string{"account_id", "csm_id", "rating", "reasons", "note", "week", "answered_at", "source"}, pgx.CopyFromRows(rows))
	if err != nil {
		return 0, fmt.Errorf("copy pulses: %w", err)
	}
	return n, nil
}

// PortfolioSegment is one segment's line of the portfolio summary.
type PortfolioSegment struct {
	Segment   string
	Accounts  int64
	Churned   int64
	LiveMRR   float64
	LiveSeats int64
}

// PortfolioSegments counts accounts, churned accounts and live MRR per segment.
func (s *Store) PortfolioSegments(ctx context.Context) ([]PortfolioSegment, error) {
	rows, err := s.q.PortfolioSegments(ctx)
	if err != nil {
		return nil, fmt.Errorf("portfolio segments: %w", err)
	}
	out := make([]PortfolioSegment, len(rows))
	for i, r := range rows {
		out[i] = PortfolioSegment{Segment: r.Segment, Accounts: r.Accounts, Churned: r.Churned, LiveMRR: r.LiveMrr, LiveSeats: r.LiveSeats}
	}
	return out, nil
}

// PortfolioCSM is one CSM's line of the portfolio summary.
type PortfolioCSM struct {
	scoring.CSM
	LiveAccounts, ChurnedAccounts int64
	PulsesDue, PulsesAnswered     int64
}

// PortfolioCSMs lists every CSM with their accounts and pulse completion.
func (s *Store) PortfolioCSMs(ctx context.Context) ([]PortfolioCSM, error) {
	rows, err := s.q.PortfolioCSMs(ctx)
	if err != nil {
		return nil, fmt.Errorf("portfolio CSMs: %w", err)
	}
	out := make([]PortfolioCSM, len(rows))
	for i, r := range rows {
		out[i] = PortfolioCSM{
			CSM:          scoring.CSM{ID: r.ID, Name: r.Name, SlackUserID: r.SlackUserID, Email: r.Email, TZ: r.Tz},
			LiveAccounts: r.LiveAccounts, ChurnedAccounts: r.ChurnedAccounts,
			PulsesDue: r.PulsesDue, PulsesAnswered: r.PulsesAnswered,
		}
	}
	return out, nil
}

// MetricSpan summarises the stored observations of one metric.
type MetricSpan struct {
	Metric      string
	Count       int64
	First, Last time.Time
	Mean        float64
}

// MetricSpans lists every stored metric with its count, time span and mean.
func (s *Store) MetricSpans(ctx context.Context) ([]MetricSpan, error) {
	rows, err := s.q.SignalSummary(ctx)
	if err != nil {
		return nil, fmt.Errorf("signal summary: %w", err)
	}
	out := make([]MetricSpan, len(rows))
	for i, r := range rows {
		out[i] = MetricSpan{Metric: r.Metric, Count: r.N, First: r.FirstAt, Last: r.LastAt, Mean: r.Mean}
	}
	return out, nil
}

// AccountTrend is an account with its owner, recent versus earlier usage and
// latest pulse.
type AccountTrend struct {
	scoring.Account
	OwnerName    string
	UsageRecent  float64 // mean over the last 28 days of data
	UsageEarlier float64 // mean over the 28 days three months before
	HasUsage     bool    // both means exist
	LastPulse    scoring.Pulse
	HasPulse     bool
}

// AccountTrends returns every account with the trend of usageMetric and its
// latest pulse.
func (s *Store) AccountTrends(ctx context.Context, usageMetric string) ([]AccountTrend, error) {
	rows, err := s.q.PortfolioAccountTrends(ctx, usageMetric)
	if err != nil {
		return nil, fmt.Errorf("account trends: %w", err)
	}
	out := make([]AccountTrend, len(rows))
	for i, r := range rows {
		t := AccountTrend{
			Account: scoring.Account{
				ID: r.ID, ExternalID: r.ExternalID, Name: r.Name, Segment: r.Segment, Plan: r.Plan, MRR: r.Mrr,
				Seats: int(r.Seats), RenewalDate: date(r.RenewalDate), StartedAt: date(r.StartedAt), ChurnedAt: date(r.ChurnedAt),
			},
			OwnerName: r.OwnerName,
		}
		if r.UsageRecent != nil && r.UsageEarlier != nil {
			t.UsageRecent, t.UsageEarlier, t.HasUsage = *r.UsageRecent, *r.UsageEarlier, true
		}
		if r.PulseRating != "" {
			t.HasPulse = true
			t.LastPulse = scoring.Pulse{AccountID: r.ID, Rating: scoring.Rating(r.PulseRating), Note: r.PulseNote, Week: r.PulseWeek, Reasons: r.PulseReasons}
		}
		out[i] = t
	}
	return out, nil
}
