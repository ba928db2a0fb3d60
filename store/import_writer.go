package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// signalRec is one observation ready to store: its account resolved.
// Line orders repeated keys (the last wins) and locates errors.
type signalRec struct {
	Line       int64
	AccountID  int64
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// writeSignals is the one signal writer: the CSV import, the REST intake
// and the connectors' syncs all store through it.
//
// The staging step makes the months' partitions, then in one round trip
// checks every account exists (once per batch: signal has no per-row
// foreign key) and asks whether any stored row could share a key with the
// batch (per account and metric, a probe of the primary key over the
// batch's time span). When none can, the batch is COPYed straight into its
// partition — the floor for a table keyed by (account, metric,
// observed_at, source). Otherwise, or when the batch repeats a key of its
// own (or a concurrent writer stored one first), it is merged: COPYed into
// a staging table and upserted, a stored row rewritten only when its value
// changed. On a pool the COPY is its own transaction; inside one it runs
// in a savepoint, so a failed attempt leaves the transaction usable.
func (s *Store) writeSignals(ctx context.Context, recs []signalRec, checkAccounts bool) (inserted, updated int64, err error) {
	if len(recs) == 0 {
		return 0, 0, nil
	}
	conflicts, months, err := s.stageSignals(ctx, recs, checkAccounts)
	if err != nil {
		return 0, 0, err
	}
	return s.writeStaged(ctx, recs, conflicts, months)
}

// writeStaged writes a staged batch: COPYed straight into its partition
// when the staging step found no stored row that could share a key, else
// (or when the COPY meets a key after all) merged.
func (s *Store) writeStaged(ctx context.Context, recs []signalRec, conflicts bool, months []time.Time) (inserted, updated int64, err error) {
	if !conflicts {
		sortByKey(recs)
		target := "signal"
		if len(months) == 1 {
			target = partitionName("signal", months[0])
		}
		copyIn := func(st *Store) (n int64, err error) {
			return st.db.CopyFrom(ctx, pgx.Identifier{target}, signalColumns, newRecCopy(recs, false))
		}
		var n int64
		if s.onPool() {
			n, err = copyIn(s)
		} else {
			err = s.InTx(ctx, func(sp *Store) error {
				n, err = copyIn(sp)
				return err
			})
		}
		var pgErr *pgconn.PgError
		switch {
		case err == nil:
			return n, 0, nil
		case errors.As(err, &pgErr) && pgErr.Code == "23505": // a key repeated or stored meanwhile: merge
		case errors.As(err, &pgErr) && pgErr.Code == "23514": // no partition: dropped by another replica?
			s.months.forget()
			return 0, 0, fmt.Errorf("copy %d signals (a month's partition is missing; sending again makes it): %w", len(recs), err)
		default:
			return 0, 0, fmt.Errorf("copy %d signals: %w", len(recs), err)
		}
	}
	err = s.InTx(ctx, func(tx *Store) error {
		inserted, updated, err = tx.mergeSignals(ctx, recs)
		return err
	})
	return inserted, updated, err
}

// onPool says the store runs each statement on its pool, outside any
// transaction.
func (s *Store) onPool() bool { return s.ddl != nil && s.db == s.ddl }

// sortByKey orders recs as the primary key does, so the COPY appends to
// its btree page by page instead of landing on random pages: on this
// schema that is most of a COPY's cost. Line keeps the file's order for
// the merge, should the batch repeat a key.
func sortByKey(recs []signalRec) {
	slices.SortStableFunc(recs, func(a, b signalRec) int {
		if c := cmp.Compare(a.AccountID, b.AccountID); c != 0 {
			return c
		}
		if c := strings.Compare(a.Metric, b.Metric); c != 0 {
			return c
		}
		if c := a.ObservedAt.Compare(b.ObservedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Source, b.Source)
	})
}

var signalColumns = []string{"account_id", "metric", "observed_at", "value", "source"}

// overlapSignalsSQL answers, for the batch's (account, metric) pairs with
// their time spans, whether signal holds any row in one of those spans.
const overlapSignalsSQL = `SELECT EXISTS (
	SELECT 1 FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::timestamptz[]) AS k(a, m, lo, hi)
	WHERE EXISTS (SELECT 1 FROM signal s WHERE s.account_id = k.a AND s.metric = k.m AND s.observed_at BETWEEN k.lo AND k.hi))`

const missingAccountsSQL = `SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM unnest($1::bigint[]) AS x
	WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.id = x)`

// MissingAccountsError says a batch names accounts that no longer exist
// (deleted between its check and its write).
type MissingAccountsError struct{ IDs []int64 }

func (e *MissingAccountsError) Error() string {
	return fmt.Sprintf("%d accounts of the batch no longer exist (ids %v)", len(e.IDs), e.IDs)
}

// span is the time span a batch covers for one key (account and metric).
type span struct{ lo, hi time.Time }

// spansOf is the span of each key among n items; at gives item i's key
// and time.
func spansOf[K comparable](n int, at func(i int) (K, time.Time)) map[K]span {
	spans := make(map[K]span)
	for i := range n {
		k, t := at(i)
		sp, ok := spans[k]
		switch {
		case !ok:
			sp = span{t, t}
		case t.Before(sp.lo):
			sp.lo = t
		case t.After(sp.hi):
			sp.hi = t
		default:
			continue
		}
		spans[k] = sp
	}
	return spans
}

// stageSignals runs the staging step and returns whether
// the batch may share keys with stored rows, and its months.
func (s *Store) stageSignals(ctx context.Context, recs []signalRec, checkAccounts bool) (conflicts bool, months []time.Time, err error) {
	months = monthsOf(func(yield func(time.Time) bool) {
		for i := range recs {
			if !yield(recs[i].ObservedAt) {
				return
			}
		}
	})
	type pair struct {
		a int64
		m string
	}
	accounts := make(map[int64]struct{})
	spans := spansOf(len(recs), func(i int) (pair, time.Time) {
		r := &recs[i]
		accounts[r.AccountID] = struct{}{}
		return pair{r.AccountID, r.Metric}, r.ObservedAt
	})
	as, ms := make([]int64, 0, len(spans)), make([]string, 0, len(spans))
	los, his := make([]time.Time, 0, len(spans)), make([]time.Time, 0, len(spans))
	for k, sp := range spans {
		as, ms, los, his = append(as, k.a), append(ms, k.m), append(los, sp.lo), append(his, sp.hi)
	}

	if err := s.ensureMonths(ctx, "signal", months); err != nil {
		return false, nil, err
	}
	b := &pgx.Batch{}
	var missing []int64
	if checkAccounts {
		ids := make([]int64, 0, len(accounts))
		for id := range accounts {
			ids = append(ids, id)
		}
		b.Queue(missingAccountsSQL, ids).QueryRow(func(row pgx.Row) error { return row.Scan(&missing) })
	}
	b.Queue(overlapSignalsSQL, as, ms, los, his).QueryRow(func(row pgx.Row) error { return row.Scan(&conflicts) })
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return false, nil, fmt.Errorf("stage %d signals: %w", len(recs), err)
	}
	if len(missing) > 0 {
		return false, nil, &MissingAccountsError{IDs: missing}
	}
	return conflicts, months, nil
}

const createSignalStage = `CREATE TEMP TABLE IF NOT EXISTS signal_stage (
	line bigint NOT NULL, account_id bigint NOT NULL, metric text NOT NULL,
	observed_at timestamptz NOT NULL, value float8 NOT NULL, source text NOT NULL
) ON COMMIT DROP`

var signalStageColumns = []string{"line", "account_id", "metric", "observed_at", "value", "source"}

// The merge, in two statements over the staged rows reduced to the last
// line of each key: stored rows whose value changed are updated, then the
// rest inserted. (A partitioned table cannot return xmax, the usual way to
// tell an upsert's inserts from its updates.)
const (
	lastStagedPerKey = `CREATE TEMP TABLE signal_merge ON COMMIT DROP AS
	SELECT DISTINCT ON (account_id, metric, observed_at, source) account_id, metric, observed_at, value, source
	FROM signal_stage ORDER BY account_id, metric, observed_at, source, line DESC`
	updateChangedSignals = `UPDATE signal t SET value = m.value FROM signal_merge m
	WHERE t.account_id = m.account_id AND t.metric = m.metric AND t.observed_at = m.observed_at AND t.source = m.source
	  AND t.value IS DISTINCT FROM m.value`
	insertNewSignals = `INSERT INTO signal (account_id, metric, observed_at, value, source)
	SELECT account_id, metric, observed_at, value, source FROM signal_merge
	ON CONFLICT (account_id, metric, observed_at, source) DO NOTHING`
)

// mergeSignals is the slow path of writeSignals: only for batches whose
// keys may already be stored.
func (s *Store) mergeSignals(ctx context.Context, recs []signalRec) (inserted, updated int64, err error) {
	for _, stmt := range []string{createSignalStage, "TRUNCATE signal_stage", "DROP TABLE IF EXISTS signal_merge"} {
		if _, err := s.db.Exec(ctx, stmt); err != nil {
			return 0, 0, fmt.Errorf("prepare staging table: %w", err)
		}
	}
	if _, err := s.db.CopyFrom(ctx, pgx.Identifier{"signal_stage"}, signalStageColumns, newRecCopy(recs, true)); err != nil {
		return 0, 0, fmt.Errorf("stage %d signals: %w", len(recs), err)
	}
	if _, err := s.db.Exec(ctx, lastStagedPerKey); err != nil {
		return 0, 0, fmt.Errorf("merge signals: %w", err)
	}
	tag, err := s.db.Exec(ctx, updateChangedSignals)
	if err != nil {
		return 0, 0, fmt.Errorf("merge signals: %w", err)
	}
	updated = tag.RowsAffected()
	if tag, err = s.db.Exec(ctx, insertNewSignals); err != nil {
		return 0, 0, fmt.Errorf("merge signals: %w", err)
	}
	return tag.RowsAffected(), updated, nil
}

// recCopy feeds signalRecs to COPY through reused pgtype values, which pgx
// encodes without reflection or a per-row allocation.
type recCopy struct {
	recs []signalRec
	i    int

	line, account  pgtype.Int8
	metric, source pgtype.Text
	observedAt     pgtype.Timestamptz
	value          pgtype.Float8
	vals           []any
}

func newRecCopy(recs []signalRec, withLine bool) *recCopy {
	c := &recCopy{recs: recs, i: -1}
	c.vals = []any{&c.account, &c.metric, &c.observedAt, &c.value, &c.source}
	if withLine {
		c.vals = append([]any{&c.line}, c.vals...)
	}
	return c
}

func (c *recCopy) Next() bool {
	c.i++
	if c.i >= len(c.recs) {
		return false
	}
	r := &c.recs[c.i]
	c.line = pgtype.Int8{Int64: r.Line, Valid: true}
	c.account = pgtype.Int8{Int64: r.AccountID, Valid: true}
	c.metric = pgtype.Text{String: r.Metric, Valid: true}
	c.observedAt = pgtype.Timestamptz{Time: r.ObservedAt, Valid: true}
	c.value = pgtype.Float8{Float64: r.Value, Valid: true}
	c.source = pgtype.Text{String: r.Source, Valid: true}
	return true
}

func (c *recCopy) Values() ([]any, error) { return c.vals, nil }
func (c *recCopy) Err() error             { return nil }
