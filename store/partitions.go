package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Tables partitioned by month (migrations 0150, 0151): signal by
// observed_at, event by occurred_at. Each month is a partition named
// <table>_pYYYY_MM; there is no default partition, so every writer makes
// the months it writes first (a row with no partition is refused, never
// parked where retention and pruning cannot see it).
var monthlyTables = []string{"signal", "event"}

// monthStart is the first instant of t's month in UTC.
func monthStart(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

// monthsOf returns the distinct months of times, in first-seen order. A
// batch rarely spans more than a few, so a slice beats a map.
func monthsOf(times func(yield func(time.Time) bool)) []time.Time {
	var out []time.Time
	var last time.Time
	for t := range times {
		m := monthStart(t)
		if m.Equal(last) {
			continue
		}
		last = m
		seen := false
		for _, o := range out {
			if o.Equal(m) {
				seen = true
				break
			}
		}
		if !seen {
			out = append(out, m)
		}
	}
	return out
}

// monthsBetween lists every month from from's to to's, both included.
func monthsBetween(from, to time.Time) []time.Time {
	var out []time.Time
	for m := monthStart(from); !m.After(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

const ensurePartitionsSQL = `SELECT hb_ensure_month_partitions($1::regclass, $2::timestamptz[])`

// ensureAloneSQL makes partitions on a connection of their own, as one
// implicit transaction that gives up after a second waiting for a lock:
// the wait that means the caller's own transaction holds the lock (it
// truncated or altered the table), where only creating the partitions in
// that transaction can work.
const ensureAloneSQL = `SET LOCAL lock_timeout = '1s'; SELECT hb_ensure_month_partitions(%s::regclass, %s::timestamptz[])`

// ensureMonths makes table's partitions for months (month starts): in a
// transaction of their own when the store has its pool, so no lock is held
// until the caller commits, else in the caller's.
func (s *Store) ensureMonths(ctx context.Context, table string, months []time.Time) error {
	if len(months) == 0 {
		return nil
	}
	if s.ddl != nil {
		months = s.months.unknown(table, months)
		if len(months) == 0 {
			return nil
		}
		_, err := s.ddl.Exec(ctx, fmt.Sprintf(ensureAloneSQL, quoteLiteral(table), monthsLiteral(months)))
		var pgErr *pgconn.PgError
		if err == nil || !errors.As(err, &pgErr) || pgErr.Code != "55P03" { // lock_not_available
			if err != nil {
				return fmt.Errorf("create %s partitions: %w", table, err)
			}
			s.months.add(table, months)
			return nil
		}
	}
	var made int
	if err := s.db.QueryRow(ctx, ensurePartitionsSQL, table, months).Scan(&made); err != nil {
		return fmt.Errorf("create %s partitions: %w", table, err)
	}
	return nil
}

// monthsLiteral is months as a quoted timestamptz[] literal; the values are
// formatted here, never taken from input text.
func monthsLiteral(months []time.Time) string {
	b := []byte("'{")
	for i, m := range months {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = m.UTC().AppendFormat(b, "2006-01-02 15:04:05Z07:00")
		b = append(b, '"')
	}
	return string(append(b, "}'"...))
}

// quoteLiteral quotes a table name (one of monthlyTables) as a SQL literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// EnsurePartitions makes the monthly signal and event partitions of every
// month from from to to. Writers call it for the months they write; tests
// that insert rows with plain SQL call it first.
func (s *Store) EnsurePartitions(ctx context.Context, from, to time.Time) error {
	months := monthsBetween(from, to)
	for _, t := range monthlyTables {
		if err := s.ensureMonths(ctx, t, months); err != nil {
			return err
		}
	}
	return nil
}

// PartitionReport says what MaintainPartitions did.
type PartitionReport struct {
	Dropped []string // partitions dropped past the retention, oldest first
}

// PartitionsAhead is how many months past the current one the scoring job
// keeps partitions for, so intake never waits on creating one.
const PartitionsAhead = 1

// MaintainPartitions creates the signal and event partitions of now's month
// and the next PartitionsAhead, and, when retention is positive, drops the
// partitions whose whole month lies before now-retention. The scoring job
// calls it daily.
func (s *Store) MaintainPartitions(ctx context.Context, now time.Time, retention time.Duration) (PartitionReport, error) {
	var rep PartitionReport
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.EnsurePartitions(ctx, now, now.AddDate(0, PartitionsAhead, 0)); err != nil {
			return err
		}
		if retention <= 0 {
			return nil
		}
		cutoff := now.Add(-retention)
		for _, t := range monthlyTables {
			rows, err := tx.db.Query(ctx, `SELECT hb_drop_month_partitions_before($1::regclass, $2)`, t, cutoff)
			if err != nil {
				return fmt.Errorf("drop %s partitions before %s: %w", t, cutoff.Format(time.DateOnly), err)
			}
			for rows.Next() {
				var name string
				if err := rows.Scan(&name); err != nil {
					rows.Close()
					return err
				}
				rep.Dropped = append(rep.Dropped, name)
			}
			if err := rows.Err(); err != nil {
				return fmt.Errorf("drop %s partitions before %s: %w", t, cutoff.Format(time.DateOnly), err)
			}
		}
		return nil
	})
	if len(rep.Dropped) > 0 {
		s.months.forget()
	}
	return rep, err
}

// monthCache is the set of partitions a pool store made or found. Only
// committed partitions enter it; MaintainPartitions empties it when it
// drops some. (Another replica's retention drops only months a year old
// and more; a write into one it dropped fails once, with a clear error,
// and Forget lets the next write make it again.)
type monthCache struct {
	mu    sync.Mutex
	known map[string]bool
}

func (c *monthCache) unknown(table string, months []time.Time) []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, m := range months {
		if !c.known[partitionName(table, m)] {
			out = append(out, m)
		}
	}
	return out
}

func (c *monthCache) add(table string, months []time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.known == nil {
		c.known = map[string]bool{}
	}
	for _, m := range months {
		c.known[partitionName(table, m)] = true
	}
}

// forget empties the cache (nil-safe: stores over a transaction have none).
func (c *monthCache) forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.known = nil
}

// partitionName is the partition of table holding month m.
func partitionName(table string, m time.Time) string {
	return fmt.Sprintf("%s_p%04d_%02d", table, m.Year(), int(m.Month()))
}
