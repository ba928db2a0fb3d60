package csvimport_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/csvimport"
	"github.com/healthbot/healthbot/store"
)

// readSignals reads a whole signals file and returns its rows and Err.
func readSignals(t *testing.T, csv string, m csvimport.Mapping) ([]store.SignalRow, error) {
	t.Helper()
	r, err := csvimport.NewSignalReader(strings.NewReader(csv), m)
	require.NoError(t, err)
	var out []store.SignalRow
	var row store.SignalRow
	for r.Next(&row) {
		out = append(out, row)
	}
	return out, r.Err()
}

func readAccounts(t *testing.T, csv string, m csvimport.Mapping) ([]store.AccountRow, *csvimport.AccountReader, error) {
	t.Helper()
	r, err := csvimport.NewAccountReader(strings.NewReader(csv), m)
	require.NoError(t, err)
	var out []store.AccountRow
	var row store.AccountRow
	for r.Next(&row) {
		row.Attributes = append([]byte(nil), row.Attributes...)
		out = append(out, row)
	}
	return out, r, r.Err()
}

func importError(t *testing.T, err error) *store.ImportError {
	t.Helper()
	var ie *store.ImportError
	require.True(t, errors.As(err, &ie), "want *store.ImportError, got %v", err)
	return ie
}

func TestSignalReaderParsesRows(t *testing.T) {
	t.Parallel()
	rows, err := readSignals(t, "\uFEFFAccount, metric ,observed_at,value,source,comment\n"+
		"acme,active_users,2026-03-02,0.75,crm,hi\n"+
		" globex ,nps,2026-03-02T10:30:00.5+02:00,-20,,\n", nil)
	require.NoError(t, err)
	require.Equal(t, []store.SignalRow{
		{Line: 2, Account: "acme", Metric: "active_users", ObservedAt: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), Value: 0.75, Source: "crm"},
		{Line: 3, Account: "globex", Metric: "nps", ObservedAt: time.Date(2026, 3, 2, 8, 30, 0, 5e8, time.UTC), Value: -20},
	}, normalise(rows))
}

// normalise makes times comparable with require.Equal.
func normalise(rows []store.SignalRow) []store.SignalRow {
	for i := range rows {
		rows[i].ObservedAt = rows[i].ObservedAt.UTC()
	}
	return rows
}

func TestSignalReaderMapsHeaders(t *testing.T) {
	t.Parallel()
	m, err := csvimport.ParseMapping([]string{"Customer=account", "kpi = metric", "ts=observed_at", "v=value"})
	require.NoError(t, err)
	r, err := csvimport.NewSignalReader(strings.NewReader("customer,KPI,ts,v,extra\nacme,seats,2026-01-01,3,x\n"), m)
	require.NoError(t, err)
	require.Equal(t, "KPI", r.ColumnName("metric"))
	require.Equal(t, []string{"extra"}, r.Ignored())
	var row store.SignalRow
	require.True(t, r.Next(&row))
	require.Equal(t, "acme", row.Account)
	require.Equal(t, "seats", row.Metric)
	require.Equal(t, 3.0, row.Value)
	require.False(t, r.Next(&row))
	require.NoError(t, r.Err())
}

func TestHeaderErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, csv string
		m         []string
		want      string
	}{
		{"empty file", "", nil, "the file is empty"},
		{"missing columns", "account,metric,when\n", nil, "missing required columns: observed_at, value (header: account,metric,when"},
		{"map to unknown field", "a,metric,observed_at,value\n", []string{"a=acount"}, `signals files have no field "acount"`},
		{"map of absent column", "account,metric,observed_at,value\n", []string{"who=account"}, "--map names columns the header lacks: who"},
		{"two columns, one field", "account,metric,observed_at,value,acct\n", []string{"acct=account"}, `columns "account" and "acct" both give account`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := csvimport.ParseMapping(tc.m)
			require.NoError(t, err)
			_, err = csvimport.NewSignalReader(strings.NewReader(tc.csv), m)
			ie := importError(t, err)
			require.Equal(t, store.CodeBadHeader, ie.Code)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestParseMappingRejectsMalformedSpecs(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{"account", "=account", "col=", ""} {
		_, err := csvimport.ParseMapping([]string{spec})
		require.ErrorContains(t, err, "want csvcol=field", spec)
	}
	_, err := csvimport.ParseMapping([]string{"a=account", "A=metric"})
	require.ErrorContains(t, err, "mapped twice")
}

func TestSignalReaderReportsEveryBadRowAndHandsOutNone(t *testing.T) {
	t.Parallel()
	csv := "account,metric,observed_at,value\n" +
		"acme,seats,2026-01-01,3\n" +
		"acme,seats,2026-01-02,abc\n" +
		"acme,\"multi\nline\",01/03/2026,4\n" +
		",seats,2026-01-04,NaN\n" +
		"acme,seats,2026-01-05\n" +
		"acme,seats,2026-01-06,5\n"
	rows, err := readSignals(t, csv, nil)
	require.Equal(t, []store.RowError{
		{Line: 3, Column: "value", Problem: `"abc" is not a number`},
		{Line: 4, Column: "observed_at", Problem: `"01/03/2026" is not a date (use YYYY-MM-DD or RFC 3339)`},
		{Line: 6, Column: "account", Problem: "is empty"},
		{Line: 6, Column: "value", Problem: `"NaN" is not a number`},
		{Line: 7, Problem: "3 fields, but the header has 4"},
	}, importError(t, err).Rows)
	require.Len(t, rows, 1, "only rows before the first bad one are handed out")
	require.Contains(t, err.Error(), `line 3, column "value": "abc" is not a number`)
}

func TestSignalReaderStopsAfterMaxErrors(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("account,metric,observed_at,value\n")
	for range store.MaxRowErrors + 5 {
		b.WriteString("acme,seats,2026-01-01,x\n")
	}
	_, err := readSignals(t, b.String(), nil)
	ie := importError(t, err)
	require.Len(t, ie.Rows, store.MaxRowErrors)
	require.True(t, ie.More)
	require.Contains(t, err.Error(), fmt.Sprintf("more than %d bad rows", store.MaxRowErrors))
}

func TestSignalReaderReportsMalformedCSV(t *testing.T) {
	t.Parallel()
	_, err := readSignals(t, "account,metric,observed_at,value\nacme,se\"ats,2026-01-01,1\n", nil)
	ie := importError(t, err)
	require.Len(t, ie.Rows, 1)
	require.Equal(t, int64(2), ie.Rows[0].Line)
	require.Contains(t, ie.Rows[0].Problem, "malformed CSV")
}

func TestAccountReaderParsesRowsAndAttributes(t *testing.T) {
	t.Parallel()
	csv := "external_id,name,owner_email,owner_slack_id,mrr,seats,renewal_date,churned_at,Region,\"notes \"\"q\"\"\"\n" +
		"acme,Acme,Dana@Example.com,U024BE7LH,1200.50,40,2027-03-01,,EMEA,\"says \"\"hi\"\"\"\n" +
		"globex,Globex,,,,,2027-01-01T23:30:00-05:00,2026-02-01,,\n"
	rows, r, err := readAccounts(t, csv, nil)
	require.NoError(t, err)
	require.Equal(t, []string{"external_id", "name", "owner_email", "owner_slack_id", "mrr", "seats", "renewal_date", "churned_at"}, r.Fields())
	require.Equal(t, []string{"Region", `notes "q"`}, r.Attributes())
	require.Len(t, rows, 2)
	acme, globex := rows[0], rows[1]
	require.Equal(t, "dana@example.com", acme.OwnerEmail)
	require.Equal(t, "U024BE7LH", acme.OwnerSlackID)
	require.Equal(t, 1200.5, acme.MRR)
	require.Equal(t, int32(40), acme.Seats)
	require.Equal(t, time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC), acme.RenewalDate)
	require.True(t, acme.ChurnedAt.IsZero())
	require.JSONEq(t, `{"Region":"EMEA","notes \"q\"":"says \"hi\""}`, string(acme.Attributes))
	require.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), globex.RenewalDate, "the date written, not its UTC date")
	require.JSONEq(t, `{}`, string(globex.Attributes))
}

func TestAccountReaderReportsBadCells(t *testing.T) {
	t.Parallel()
	csv := "id,name,owner_email,owner_slack_id,mrr,seats,started_at\n" +
		"acme,,dana,@dana,-1,4.5,yesterday\n" +
		"globex,Globex,,,1e13,99999999999,\n"
	m, err := csvimport.ParseMapping([]string{"id=external_id"})
	require.NoError(t, err)
	_, _, err = readAccounts(t, csv, m)
	require.Equal(t, []store.RowError{
		{Line: 2, Column: "name", Problem: "is empty"},
		{Line: 2, Column: "owner_email", Problem: `"dana" is not an email address`},
		{Line: 2, Column: "owner_slack_id", Problem: `"@dana" is not a Slack user id (like U024BE7LH)`},
		{Line: 2, Column: "mrr", Problem: `"-1" must be between 0 and 999999999999.99`},
		{Line: 2, Column: "seats", Problem: `"4.5" is not a whole number`},
		{Line: 2, Column: "started_at", Problem: `"yesterday" is not a date (use YYYY-MM-DD or RFC 3339)`},
		{Line: 3, Column: "mrr", Problem: `"1e13" must be between 0 and 999999999999.99`},
		{Line: 3, Column: "seats", Problem: `"99999999999" is too large`},
	}, importError(t, err).Rows)
}

func TestAccountReaderRequiresNamedColumns(t *testing.T) {
	t.Parallel()
	_, err := csvimport.NewAccountReader(strings.NewReader("external_id,name,\n"), nil)
	require.ErrorContains(t, err, "column 3 of the header has no name")
	_, err = csvimport.NewAccountReader(strings.NewReader("name,domain\n"), nil)
	require.ErrorContains(t, err, "missing required columns: external_id")
}
