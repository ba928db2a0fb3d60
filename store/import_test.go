package store_test

import (
	"context"
	"errors"
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

// storedSignals returns idempotency key -> value for every stored signal.
func (b importBundle) storedSignals(t *testing.T) map[string]float64 {
	t.Helper()
	rows, err := b.s.DB().Query(b.ctx, "SELECT idempotency_key, value FROM signal")
	require.NoError(t, err)
	out := map[string]float64{}
	var k string
	var v float64
	for rows.Next() {
		require.NoError(t, rows.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(t, rows.Err())
	return out
}

var day = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func TestSignalKeyIsStable(t *testing.T) {
	t.Parallel()
	// Stored keys must never change meaning: this value (checked with
	// Python's hashlib) is what every existing database holds for it.
	require.Equal(t, "7fa7182a2105fa8b54c326f4fe02703c", store.SignalKey("acme", "active_users", day, "crm"))
	require.Len(t, store.SignalKey("", "", time.Time{}, ""), 32)
	require.NotEqual(t, store.SignalKey("ab", "c", day, ""), store.SignalKey("a", "bc", day, ""))
	require.NotEqual(t, store.SignalKey("a", "m", day, "x"), store.SignalKey("a", "m", day, ""))
	require.Equal(t, store.SignalKey("a", "m", day.Add(999*time.Nanosecond), ""), store.SignalKey("a", "m", day, ""),
		"time is cut to the microseconds Postgres keeps")
}

func TestSignalKeySQLMatchesSignalKey(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	zone := time.FixedZone("x", -5*3600)
	for _, r := range []store.SignalRow{
		{Account: "acme", Metric: "active_users", ObservedAt: day, Source: "crm"},
		{Account: "acme", Metric: "active_users", ObservedAt: day.Add(1234567 * time.Microsecond).In(zone)},
		{Account: "Zürich AG", Metric: "nps ✓", ObservedAt: time.Date(1965, 7, 1, 12, 0, 0, 1000, time.UTC), Source: "survey"},
		{Account: "", Metric: "", ObservedAt: day.Add(-time.Microsecond), Source: "a,b\"c"},
	} {
		var got string
		err := b.s.DB().QueryRow(b.ctx, `SELECT `+store.SignalKeySQL+`
			FROM (SELECT $1::text AS account, $2::text AS metric, $3::timestamptz AS observed_at, $4::text AS source) v`,
			r.Account, r.Metric, r.ObservedAt, r.Source).Scan(&got)
		require.NoError(t, err)
		require.Equal(t, store.SignalKey(r.Account, r.Metric, r.ObservedAt, r.Source), got, "row %+v", r)
	}
}

func TestImportedSignalKeysMatchSignalKey(t *testing.T) {
	t.Parallel()
	b := setupImport(t, "acme", "Zürich AG")
	zone := time.FixedZone("x", -5*3600)
	in := []store.SignalRow{
		{Account: "acme", Metric: "active_users", ObservedAt: day, Value: 1, Source: "crm"},
		{Account: "acme", Metric: "active_users", ObservedAt: day.Add(1234567 * time.Microsecond).In(zone), Value: 2},
		{Account: "Zürich AG", Metric: "nps ✓", ObservedAt: time.Date(1965, 7, 1, 12, 0, 0, 1000, time.UTC), Value: 3, Source: "survey"},
		{Account: "acme", Metric: "seats", ObservedAt: day.Add(-time.Microsecond), Value: 4, Source: "a,b\"c"},
	}
	_, err := b.s.ImportSignals(b.ctx, signals(in...))
	require.NoError(t, err)
	got := b.storedSignals(t)
	require.Len(t, got, len(in))
	for _, r := range in {
		require.Contains(t, got, store.SignalKey(r.Account, r.Metric, r.ObservedAt, r.Source), "row %+v", r)
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
	require.Equal(t, 6.0, b.storedSignals(t)[store.SignalKey("globex", "active_users", day, "")])
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
	require.Equal(t, 2.0, b.storedSignals(t)[store.SignalKey("acme", "m", day, "")])
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
