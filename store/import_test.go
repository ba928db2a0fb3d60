package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// rowsOf is a SignalSource or AccountSource over a slice; err is reported
// after the rows, as a reader that found bad input would.
type rowsOf[R any] struct {
	rows   []R
	i      int
	err    error
	fields []string
}

func (s *rowsOf[R]) Next(r *R) bool {
	if s.i >= len(s.rows) {
		return false
	}
	*r = s.rows[s.i]
	s.i++
	return true
}
func (s *rowsOf[R]) Err() error                     { return s.err }
func (s *rowsOf[R]) ColumnName(field string) string { return "col_" + field }
func (s *rowsOf[R]) Fields() []string               { return s.fields }

var (
	_ store.SignalSource  = (*rowsOf[store.SignalRow])(nil)
	_ store.AccountSource = (*rowsOf[store.AccountRow])(nil)
)

func signals(rows ...store.SignalRow) *rowsOf[store.SignalRow] {
	for i := range rows {
		rows[i].Line = int64(i + 2)
	}
	return &rowsOf[store.SignalRow]{rows: rows}
}

type importBundle struct {
	ctx context.Context
	s   *store.Store
}

func setupImport(t *testing.T, accounts ...string) importBundle {
	t.Helper()
	b := importBundle{ctx: context.Background(), s: storetest.Store(t)}
	for _, ext := range accounts {
		_, err := b.s.UpsertAccount(b.ctx, scoring.Account{ExternalID: ext, Name: ext})
		require.NoError(t, err)
	}
	return b
}

// storedSignals returns sigKey(...) -> value for every stored signal.
func (b importBundle) storedSignals(t *testing.T) map[string]float64 {
	t.Helper()
	rows, err := b.s.DB().Query(b.ctx, `SELECT a.external_id, s.metric, s.observed_at, s.source, s.value
		FROM signal s JOIN account a ON a.id = s.account_id`)
	require.NoError(t, err)
	out := map[string]float64{}
	var acct, metric, source string
	var at time.Time
	var v float64
	for rows.Next() {
		require.NoError(t, rows.Scan(&acct, &metric, &at, &source, &v))
		out[sigKey(acct, metric, at, source)] = v
	}
	require.NoError(t, rows.Err())
	return out
}

// sigKey names a signal by its natural key, the primary key of signal.
func sigKey(account, metric string, at time.Time, source string) string {
	return fmt.Sprintf("%s|%s|%s|%s", account, metric, at.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano), source)
}

var day = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestImportedSignalsKeepTheirNaturalKey(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme", "Zürich AG")
	zone := time.FixedZone("x", -5*3600)
	in := []store.SignalRow{
		{Account: "acme", Metric: "active_users", ObservedAt: day, Value: 1, Source: "crm"},
		{Account: "acme", Metric: "active_users", ObservedAt: day.Add(1234567 * time.Microsecond).In(zone), Value: 2},
		{Account: "Zürich AG", Metric: "nps ✓", ObservedAt: time.Date(1965, 7, 1, 12, 0, 0, 1000, time.UTC), Value: 3, Source: "survey"},
		{Account: "acme", Metric: "seats", ObservedAt: day.Add(-time.Microsecond), Value: 4, Source: "a,b\"c"},
	}
	sum, err := b.s.ImportSignals(b.ctx, signals(in...))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 4, Inserted: 4}, sum, "three months, each made on the way")
	got := b.storedSignals(t)
	require.Len(t, got, len(in))
	for _, r := range in {
		require.Equal(t, r.Value, got[sigKey(r.Account, r.Metric, r.ObservedAt, r.Source)], "row %+v", r)
	}
}

// A file longer than one chunk is written chunk by chunk in one
// transaction; a key the first chunk wrote and the last repeats keeps the
// last line's value. Into months with no partition yet (the fast path:
// their own tables, attached at the end) the repeat counts as unchanged;
// into months that had one, it is merged and counts as updated.
func TestImportSignalsKeepsTheLastOfAKeyRepeatedAcrossChunks(t *testing.T) {
	t.Parallel()
	const n = store.ImportChunk + 5000 // more than one chunk
	file := func(day time.Time) *rowsOf[store.SignalRow] {
		rows := make([]store.SignalRow, 0, n+1)
		for i := range n {
			rows = append(rows, store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day.Add(time.Duration(i) * time.Minute), Value: float64(i)})
		}
		rows = append(rows, store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: -1})
		return signals(rows...)
	}
	// The shared test schema has partitions from its first month on (as
	// production has them ahead): fresh months lie before it.
	first, _ := storetest.SharedPartitions()
	for _, tc := range []struct {
		name     string
		day      time.Time
		existing bool
		want     store.ImportSummary
	}{
		{"fresh months", first.AddDate(-1, 0, 1), false, store.ImportSummary{Read: n + 1, Inserted: n, Unchanged: 1}},
		{"months with partitions", day, true, store.ImportSummary{Read: n + 1, Inserted: n, Updated: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			day := tc.day
			b := setupImport(t, "acme")
			if tc.existing {
				require.NoError(t, b.s.EnsurePartitions(b.ctx, day, day.Add(n*time.Minute)))
			}
			sum, err := b.s.ImportSignals(b.ctx, file(day))
			require.NoError(t, err)
			require.Equal(t, tc.want, sum)
			got := b.storedSignals(t)
			require.Len(t, got, n)
			require.Equal(t, -1.0, got[sigKey("acme", "m", day, "")])
			require.Equal(t, float64(n-1), got[sigKey("acme", "m", day.Add((n-1)*time.Minute), "")])
		})
	}
}

func TestImportSignalsIsIdempotentAndUpdatesChangedValues(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme", "globex")
	file := func(v float64) *rowsOf[store.SignalRow] {
		return signals(
			store.SignalRow{Account: "acme", Metric: "active_users", ObservedAt: day, Value: 10},
			store.SignalRow{Account: "acme", Metric: "active_users", ObservedAt: day.AddDate(0, 0, 1), Value: 11},
			store.SignalRow{Account: "globex", Metric: "active_users", ObservedAt: day, Value: v},
		)
	}
	sum, err := b.s.ImportSignals(b.ctx, file(5))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 3, Inserted: 3}, sum)

	sum, err = b.s.ImportSignals(b.ctx, file(5))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 3, Unchanged: 3}, sum)

	sum, err = b.s.ImportSignals(b.ctx, file(6))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 3, Updated: 1, Unchanged: 2}, sum)
	require.Equal(t, 6.0, b.storedSignals(t)[sigKey("globex", "active_users", day, "")])
}

func TestImportSignalsKeepsTheLastOfRepeatedKeys(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme")
	src := signals(
		store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: 1},
		store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: 2},
		store.SignalRow{Account: "acme", Metric: "n", ObservedAt: day, Value: 3},
	)
	sum, err := b.s.ImportSignals(b.ctx, src)
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 3, Inserted: 2, Unchanged: 1}, sum)
	require.Equal(t, 2.0, b.storedSignals(t)[sigKey("acme", "m", day, "")])
}

func TestImportSignalsRejectsUnknownAccountsAndWritesNothing(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme")
	src := signals(
		store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: 1},
		store.SignalRow{Account: "zzz", Metric: "m", ObservedAt: day, Value: 1},
		store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day.AddDate(0, 0, 1), Value: 1},
		store.SignalRow{Account: "yyy", Metric: "m", ObservedAt: day, Value: 1},
	)
	_, err := b.s.ImportSignals(b.ctx, src)
	var ie *store.ImportError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, store.CodeBadRows, ie.Code)
	require.Equal(t, []store.RowError{
		{Line: 3, Column: "col_account", Problem: `no account "zzz"`},
		{Line: 5, Column: "col_account", Problem: `no account "yyy"`},
	}, ie.Rows)
	require.Contains(t, err.Error(), `line 3, column "col_account": no account "zzz"`)
	require.Empty(t, b.storedSignals(t))
}

func TestImportSignalsStopsOnSourceError(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme")
	src := signals(store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: 1})
	src.err = &store.ImportError{Code: store.CodeBadRows, Rows: []store.RowError{{Line: 9, Column: "value", Problem: `"x" is not a number`}}}
	_, err := b.s.ImportSignals(b.ctx, src)
	require.ErrorIs(t, err, src.err)
	require.Empty(t, b.storedSignals(t))

	src = signals(store.SignalRow{Account: "acme", Metric: "m", ObservedAt: day, Value: 1})
	src.err = errors.New("disk on fire")
	_, err = b.s.ImportSignals(b.ctx, src)
	require.ErrorContains(t, err, "disk on fire")
	require.Empty(t, b.storedSignals(t))
}

func accounts(fields []string, rows ...store.AccountRow) *rowsOf[store.AccountRow] {
	for i := range rows {
		rows[i].Line = int64(i + 2)
	}
	return &rowsOf[store.AccountRow]{rows: rows, fields: fields}
}

var allAccountFields = store.AccountFields

func TestImportAccountsUpsertsAndCreatesOwners(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	dana, err := b.s.EnsureCSM(b.ctx, "Dana@Example.com", "", "Dana")
	require.NoError(t, err)
	file := func(mrr float64) *rowsOf[store.AccountRow] {
		return accounts(allAccountFields,
			store.AccountRow{ExternalID: "acme", Name: "Acme", Segment: "Enterprise", OwnerEmail: "dana@example.com",
				OwnerSlackID: "U1", MRR: mrr, Seats: 40, RenewalDate: day, Attributes: []byte(`{"region":"EMEA"}`)},
			store.AccountRow{ExternalID: "globex", Name: "Globex", OwnerEmail: "lee@example.com", OwnerSlackID: "U2"},
			store.AccountRow{ExternalID: "initech", Name: "Initech", OwnerSlackID: "U3"},
			store.AccountRow{ExternalID: "hooli", Name: "Hooli"},
		)
	}
	sum, err := b.s.ImportAccounts(b.ctx, file(1000.5))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 4, Inserted: 4}, sum)

	acme, err := b.s.AccountByExternalID(b.ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, dana, acme.OwnerID, "the owner is found by email, whatever its case")
	require.Equal(t, 1000.5, acme.MRR)
	require.Equal(t, 40, acme.Seats)
	require.True(t, day.Equal(acme.RenewalDate))
	require.Equal(t, "EMEA", acme.Attributes["region"])
	danaRow, err := b.s.CSMByEmail(b.ctx, "dana@example.com")
	require.NoError(t, err)
	require.Equal(t, "U1", danaRow.SlackUserID, "a known CSM gets the Slack id the file pairs it with")

	lee, err := b.s.CSMBySlackID(b.ctx, "U2")
	require.NoError(t, err)
	require.Equal(t, "lee@example.com", lee.Email)
	initech, err := b.s.AccountByExternalID(b.ctx, "initech")
	require.NoError(t, err)
	u3, err := b.s.CSMBySlackID(b.ctx, "U3")
	require.NoError(t, err)
	require.Equal(t, u3.ID, initech.OwnerID)
	hooli, err := b.s.AccountByExternalID(b.ctx, "hooli")
	require.NoError(t, err)
	require.Zero(t, hooli.OwnerID)

	sum, err = b.s.ImportAccounts(b.ctx, file(1000.5))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 4, Unchanged: 4}, sum)
	sum, err = b.s.ImportAccounts(b.ctx, file(1200))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 4, Updated: 1, Unchanged: 3}, sum)
	csms, err := b.s.CSMs(b.ctx)
	require.NoError(t, err)
	require.Len(t, csms, 3, "re-importing creates no owners twice")
}

func TestImportAccountsLeavesFieldsTheFileLacks(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	_, err := b.s.ImportAccounts(b.ctx, accounts(allAccountFields,
		store.AccountRow{ExternalID: "acme", Name: "Acme", Segment: "SMB", OwnerEmail: "dana@example.com", Seats: 5,
			Attributes: []byte(`{"region":"EMEA","tier":"gold"}`)}))
	require.NoError(t, err)

	sum, err := b.s.ImportAccounts(b.ctx, accounts([]string{"external_id", "name", "seats"},
		store.AccountRow{ExternalID: "acme", Name: "Acme", Seats: 7, Attributes: []byte(`{"tier":"platinum"}`)},
		store.AccountRow{ExternalID: "acme", Name: "Acme", Seats: 9}))
	require.NoError(t, err)
	require.Equal(t, store.ImportSummary{Read: 2, Updated: 1, Unchanged: 1}, sum, "the last line of a repeated id wins")

	acme, err := b.s.AccountByExternalID(b.ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, 9, acme.Seats)
	require.Equal(t, "SMB", acme.Segment)
	require.NotZero(t, acme.OwnerID)
	require.Equal(t, map[string]any{"region": "EMEA", "tier": "gold"}, acme.Attributes,
		"attributes merge; the winning line carried none")
}

func TestImportAccountsWritesNothingOnSourceError(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	src := accounts(allAccountFields, store.AccountRow{ExternalID: "acme", Name: "Acme", OwnerEmail: "x@example.com"})
	src.err = &store.ImportError{Code: store.CodeBadRows, Rows: []store.RowError{{Line: 3, Column: "mrr", Problem: "x"}}}
	_, err := b.s.ImportAccounts(b.ctx, src)
	require.ErrorIs(t, err, src.err)
	all, err := b.s.Accounts(b.ctx)
	require.NoError(t, err)
	require.Empty(t, all)
	csms, err := b.s.CSMs(b.ctx)
	require.NoError(t, err)
	require.Empty(t, csms)
}
