package csvimport_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/store"
)

var csvNow = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func badRows(t *testing.T, err error) []store.RowError {
	t.Helper()
	var ie *store.ImportError
	require.True(t, errors.As(err, &ie), "an import error listing bad rows: %v", err)
	return ie.Rows
}

// Hostile cells reached Postgres as raw errors (invalid byte sequence,
// value out of range) or were stored (0000-01-01, -1e308). Each is
// reported with its line and column, by the same policy as the API.
func TestCSVImportReportsHostileCellsWithLineAndColumn(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("x", 30_000)
	signals := "account,metric,observed_at,value,source\n" +
		"acme,logins,2026-03-01,1,api\n" +
		"a\x00b,logins,2026-03-01,1,api\n" +
		"acme,log\xffins,2026-03-01,1,api\n" +
		"acme," + huge + ",2026-03-01,1,api\n" +
		"acme,logins,0000-01-01,1,api\n" +
		"acme,logins,9999-12-31,1,api\n" +
		"acme,logins,2026-03-01,-1e308,api\n" +
		"acme,logins,2026-03-01,1e400,api\n" +
		"acme,active_user_ratio,2026-03-01,85,api\n" +
		"acme,nps,2026-03-01,-101,api\n" +
		"acme,logins,2026-03-01,-5,api\n"
	r, err := csvimport.NewSignalReader(strings.NewReader(signals), nil)
	require.NoError(t, err)
	r.Now = csvNow
	var row store.SignalRow
	for r.Next(&row) {
	}
	require.Equal(t, []store.RowError{
		{Line: 3, Column: "account", Problem: "contains a NUL character"},
		{Line: 4, Column: "metric", Problem: "is not valid UTF-8"},
		{Line: 5, Column: "metric", Problem: "is longer than 200 characters"},
		{Line: 6, Column: "observed_at", Problem: "0000-01-01 is out of range (1900 to now)"},
		{Line: 7, Column: "observed_at", Problem: "9999-12-31 is out of range (1900 to now)"},
		{Line: 8, Column: "value", Problem: `"-1e308" must be between -1000000000000000 and 1000000000000000`},
		{Line: 9, Column: "value", Problem: `"1e400" must be a finite number`},
		{Line: 10, Column: "value", Problem: `"85" must be between 0 and 1 for a ratio (active_user_ratio)`},
		{Line: 11, Column: "value", Problem: `"-101" must be between -100 and 100 for an NPS (nps)`},
	}, badRows(t, r.Err()))

	accounts := "external_id,name,renewal_date,churned_at,notes\n" +
		"acme,Acme,2027-01-01,,fine\n" +
		"acme2,Acme\x00Two,,,\n" +
		"acme3,Acme,0000-01-01,,\n" +
		"acme4,Acme,,9999-12-31,\n" +
		"acme5,Acme,,," + huge + "\n"
	a, err := csvimport.NewAccountReader(strings.NewReader(accounts), nil)
	require.NoError(t, err)
	a.Now = csvNow
	var arow store.AccountRow
	for a.Next(&arow) {
	}
	require.Equal(t, []store.RowError{
		{Line: 3, Column: "name", Problem: "contains a NUL character"},
		{Line: 4, Column: "renewal_date", Problem: "0000-01-01 is out of range (1900 to ten years from now)"},
		{Line: 5, Column: "churned_at", Problem: "9999-12-31 is out of range (1900 to now)"},
		{Line: 6, Column: "notes", Problem: "is longer than 2000 characters"},
	}, badRows(t, a.Err()))

	_, err = csvimport.NewAccountReader(strings.NewReader("external_id,name,no\x00te\n"), nil)
	require.ErrorContains(t, err, "column 3 of the header contains a NUL character")
}

// Two rows for one external_id: the last silently won. Repeats are
// reported with both lines; --last-wins (LastWins) keeps the old behaviour.
func TestAccountReaderReportsRepeatedExternalIDs(t *testing.T) {
	t.Parallel()
	file := "external_id,name\nacme,Acme\nglobex,Globex\nacme,Acme Corp\n"
	_, _, err := readAccounts(t, file, nil)
	require.Equal(t, []store.RowError{
		{Line: 4, Column: "external_id", Problem: `"acme" is also on line 2: keep one row per account, or import with --last-wins`},
	}, badRows(t, err))

	r, err := csvimport.NewAccountReader(strings.NewReader(file), nil)
	require.NoError(t, err)
	r.LastWins = true
	var names []string
	var row store.AccountRow
	for r.Next(&row) {
		names = append(names, row.Name)
	}
	require.NoError(t, r.Err())
	require.Equal(t, []string{"Acme", "Globex", "Acme Corp"}, names)
}
