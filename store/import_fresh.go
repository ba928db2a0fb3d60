package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// freshMonths is the import's fast path for months signal has no partition
// for yet (a backfill, a first import): their rows are COPYed into a
// table of their own, with no index, inside the import's transaction, and
// the table is attached as the month's partition at the end, its primary
// key built once by sorting instead of row by row. Until the import
// commits, no one else sees the month; a writer that needs it meanwhile
// waits for the commit.
type freshMonths struct {
	tables map[time.Time]string // month → its table, made by this import
	known  map[time.Time]bool   // months found to have a partition already
	rows   map[time.Time]int64  // rows COPYed per fresh month
}

// split moves the records of fresh months out of recs into their tables
// and returns the rest, for the signal writer.
func (f *freshMonths) split(ctx context.Context, tx *Store, recs []signalRec) ([]signalRec, error) {
	if f.tables == nil {
		f.tables, f.known, f.rows = map[time.Time]string{}, map[time.Time]bool{}, map[time.Time]int64{}
	}
	byMonth := map[time.Time][]signalRec{}
	rest := recs[:0:0]
	for _, r := range recs {
		m := monthStart(r.ObservedAt)
		if f.known[m] {
			rest = append(rest, r)
			continue
		}
		if _, ok := f.tables[m]; !ok {
			fresh, err := f.claim(ctx, tx, m)
			if err != nil {
				return nil, err
			}
			if !fresh {
				f.known[m] = true
				rest = append(rest, r)
				continue
			}
		}
		byMonth[m] = append(byMonth[m], r)
	}
	for m, rows := range byMonth {
		n, err := tx.db.CopyFrom(ctx, pgx.Identifier{f.tables[m]}, signalColumns, newRecCopy(rows, false))
		if err != nil {
			return nil, fmt.Errorf("copy %d signals of %s: %w", len(rows), m.Format("2006-01"), err)
		}
		f.rows[m] += n
	}
	return rest, nil
}

// claim makes month m's table unless its partition exists; it reports
// whether the month is fresh.
func (f *freshMonths) claim(ctx context.Context, tx *Store, m time.Time) (bool, error) {
	name := partitionName("signal", m)
	var exists bool
	if err := tx.db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up partition %s: %w", name, err)
	}
	if exists {
		return false, nil
	}
	// Every creator of partitions takes this lock first and holds it to its
	// commit (hb_ensure_month_partitions does too), so creators queue in one
	// order: without it, this import attaching its month and another
	// transaction creating the same month's table waited on each other
	// (deadlock detected, SQLSTATE 40P01).
	if err := tx.lockXact(ctx, lockPartitionCreators); err != nil {
		return false, fmt.Errorf("create %s: %w", name, err)
	}
	if err := tx.db.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("look up partition %s: %w", name, err)
	}
	if exists { // made while this waited
		return false, nil
	}
	lo, hi := m, m.AddDate(0, 1, 0)
	// The CHECK says what the partition bound will, so attaching it skips
	// the scan that would prove it.
	err := tx.InTx(ctx, func(sp *Store) error {
		_, err := sp.db.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (LIKE signal INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
			CHECK (observed_at >= '%s' AND observed_at < '%s'))`,
			pgx.Identifier{name}.Sanitize(), lo.Format(time.RFC3339), hi.Format(time.RFC3339)))
		return err
	})
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "42P07": // duplicate_table: another writer made it meanwhile
		return false, nil
	case err != nil:
		return false, fmt.Errorf("create %s: %w", name, err)
	}
	f.tables[m] = name
	return true, nil
}

// attach makes each fresh table its month's partition, building its
// primary key; a key the file repeats keeps its last line (the table holds
// rows in file order) and the others count as unchanged. It returns how
// many rows were dropped as repeats.
func (f *freshMonths) attach(ctx context.Context, tx *Store) (repeats int64, err error) {
	months := make([]time.Time, 0, len(f.tables))
	for m := range f.tables {
		months = append(months, m)
	}
	slices.SortFunc(months, time.Time.Compare)
	for _, m := range months {
		name := pgx.Identifier{f.tables[m]}.Sanitize()
		attach := fmt.Sprintf(`ALTER TABLE signal ATTACH PARTITION %s FOR VALUES FROM ('%s') TO ('%s')`,
			name, m.Format(time.RFC3339), m.AddDate(0, 1, 0).Format(time.RFC3339))
		err := tx.InTx(ctx, func(sp *Store) error {
			_, err := sp.db.Exec(ctx, attach)
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // the file repeats a key
			tag, derr := tx.db.Exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s a USING %[1]s b
				WHERE (a.account_id, a.metric, a.observed_at, a.source) = (b.account_id, b.metric, b.observed_at, b.source)
				  AND a.ctid < b.ctid`, name))
			if derr != nil {
				return 0, fmt.Errorf("drop repeated keys of %s: %w", name, derr)
			}
			repeats += tag.RowsAffected()
			_, err = tx.db.Exec(ctx, attach)
		}
		if err != nil {
			return 0, fmt.Errorf("attach %s: %w", name, err)
		}
	}
	return repeats, nil
}
