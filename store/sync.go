package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store/db"
)

// SyncState is what `healthbot sync status` shows of one source.
type SyncState struct {
	Name         string
	Cursor       string
	RunBy        string    // the instance running it now, "" when idle
	LastStarted  time.Time // zero: never
	LastFinished time.Time
	LastOK       time.Time
	LastSummary  string // of the last run that succeeded
	LastError    string // of the last run; "" when it succeeded
}

// ErrSyncBusy is returned by ClaimSync while another run holds the source.
// Its code is ECONFLICT: busy elsewhere, retry once that run ends.
var ErrSyncBusy = &healthbot.Error{Code: healthbot.ECONFLICT, Message: "another run of this source is in progress"}

// ClaimSync takes source's lease for instance and returns the cursor the run
// starts from. A lease older than lease (its run died) is taken over.
func (s *Store) ClaimSync(ctx context.Context, source, instance string, now time.Time, lease time.Duration) (string, error) {
	cursor, err := s.q.ClaimSyncSource(ctx, db.ClaimSyncSourceParams{
		Name: source, Instance: instance, Now: now,
		Lease: pgtype.Interval{Microseconds: lease.Microseconds(), Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrSyncBusy
	}
	if err != nil {
		return "", fmt.Errorf("claim sync %s: %w", source, err)
	}
	return cursor, nil
}

// ResetSyncCursor forgets source's cursor (a --full sync); the lease holder only.
func (s *Store) ResetSyncCursor(ctx context.Context, source, instance string) error {
	return s.q.ResetSyncCursor(ctx, db.ResetSyncCursorParams{Name: source, Instance: instance})
}

// FinishSync releases source's lease and records the run's summary, or its
// error (the summary of the last good run is kept).
func (s *Store) FinishSync(ctx context.Context, source, instance string, now time.Time, summary string, runErr error) error {
	msg := ""
	if runErr != nil {
		msg = runErr.Error()
	}
	err := s.q.FinishSyncSource(ctx, db.FinishSyncSourceParams{Name: source, Instance: instance, Now: now, Summary: summary, Error: msg})
	if err != nil {
		return fmt.Errorf("finish sync %s: %w", source, err)
	}
	return nil
}

// SyncStates lists every source that has run, by name.
func (s *Store) SyncStates(ctx context.Context) ([]SyncState, error) {
	rows, err := s.q.ListSyncSources(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sync sources: %w", err)
	}
	out := make([]SyncState, len(rows))
	for i, r := range rows {
		out[i] = SyncState{Name: r.Name, Cursor: r.Cursor, RunBy: r.RunBy, LastStarted: deref(r.LastStarted),
			LastFinished: deref(r.LastFinished), LastOK: deref(r.LastOk), LastSummary: r.LastSummary, LastError: r.LastError}
	}
	return out, nil
}

// SyncPage is one page a connector read: accounts and signals to write
// together with the cursor that follows them. AccountFields are the
// AccountFields the accounts carry (see AccountSource.Fields).
type SyncPage struct {
	Accounts      []AccountRow
	AccountFields []string
	InsertOnly    []string // fields set only on accounts the page creates
	Signals       []SignalRow
	Renewals      []SyncRenewal
	Cursor        string
}

// SyncPageResult counts what writing one page did. UnknownAccounts are
// signals skipped because no account has their external id.
type SyncPageResult struct {
	Accounts, Signals ImportSummary
	Renewals          RenewalSummary
	UnknownAccounts   int64
}

// WriteSyncPage writes a page in one transaction through the import paths
// (accounts upserted by external id, signals merged by natural key),
// records its renewals (see writeRenewals) and moves source's cursor past
// it; it fails, writing nothing, when instance no longer holds the
// source's lease. Signals for accounts that do not exist
// are skipped and counted rather than failing the page.
func (s *Store) WriteSyncPage(ctx context.Context, source, instance string, now time.Time, p SyncPage) (SyncPageResult, error) {
	var res SyncPageResult
	err := s.InTx(ctx, func(tx *Store) error {
		n, err := tx.q.AdvanceSyncCursor(ctx, db.AdvanceSyncCursorParams{Name: source, Instance: instance, Cursor: p.Cursor, Now: now})
		if err != nil {
			return fmt.Errorf("advance cursor: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("sync %s: this run no longer holds the source (its lease expired); nothing written for this page", source)
		}
		if len(p.Accounts) > 0 {
			if res.Accounts, err = tx.ImportAccounts(ctx, &rowSlice[AccountRow]{rows: p.Accounts, fields: p.AccountFields, insertOnly: p.InsertOnly}); err != nil {
				return err
			}
		}
		signals, err := tx.knownAccountSignals(ctx, p.Signals)
		if err != nil {
			return err
		}
		res.UnknownAccounts = int64(len(p.Signals) - len(signals))
		if len(signals) > 0 {
			if res.Signals, err = tx.ImportSignals(ctx, &rowSlice[SignalRow]{rows: signals}); err != nil {
				return err
			}
		}
		if len(p.Renewals) > 0 {
			if res.Renewals, err = tx.writeRenewals(ctx, p.Renewals, now); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// knownAccountSignals keeps the rows whose account exists.
func (s *Store) knownAccountSignals(ctx context.Context, rows []SignalRow) ([]SignalRow, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var ids []string
	for i := range rows {
		if i == 0 || rows[i].Account != rows[i-1].Account {
			ids = append(ids, rows[i].Account)
		}
	}
	slices.Sort(ids)
	known, err := s.AccountIDsByExternalID(ctx, slices.Compact(ids))
	if err != nil {
		return nil, err
	}
	kept := rows[:0:0]
	for _, r := range rows {
		if _, ok := known[r.Account]; ok {
			kept = append(kept, r)
		}
	}
	if len(kept) == len(rows) {
		return rows, nil
	}
	return kept, nil
}

// rowSlice feeds rows held in memory to ImportAccounts or ImportSignals.
type rowSlice[T any] struct {
	rows               []T
	fields, insertOnly []string
	i                  int
}

func (r *rowSlice[T]) Next(row *T) bool {
	if r.i >= len(r.rows) {
		return false
	}
	*row = r.rows[r.i]
	r.i++
	return true
}

func (r *rowSlice[T]) Err() error                     { return nil }
func (r *rowSlice[T]) ColumnName(field string) string { return field }
func (r *rowSlice[T]) Fields() []string               { return r.fields }
func (r *rowSlice[T]) InsertOnly() []string           { return r.insertOnly }
