package connector

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"go.yaml.in/yaml/v3"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// SQLQuery is one named query of HEALTHBOT_SOURCES: it runs on any
// Postgres-protocol database and returns account, metric, observed_at,
// value and optionally source, with $1 bound to the cursor (a timestamptz).
type SQLQuery struct {
	Name     string    `yaml:"name"`
	DSNEnv   string    `yaml:"dsn_env"`
	Query    string    `yaml:"query"`
	Start    time.Time `yaml:"start"`     // the first run's cursor; zero means 1970-01-01
	PageRows int       `yaml:"page_rows"` // rows per transaction; 0 means 50,000
	DSN      string    `yaml:"-"`         // read from DSNEnv
}

var sourceNameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// ParseSQLQueries reads a HEALTHBOT_SOURCES file ("sources:" listing
// queries) and takes each DSN from the environment variable it names.
// Problems are reported together, each naming the query.
func ParseSQLQueries(path string, getenv func(string) string) ([]SQLQuery, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Sources []SQLQuery `yaml:"sources"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(doc.Sources) == 0 {
		return nil, fmt.Errorf("%s: no queries under \"sources:\"", path)
	}
	var errs []error
	seen := map[string]bool{}
	for i := range doc.Sources {
		q := &doc.Sources[i]
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%s: source %q: %s", path, q.Name, fmt.Sprintf(format, args...)))
		}
		switch {
		case !sourceNameRE.MatchString(q.Name):
			bad("name must be lower case letters, digits, - and _")
		case seen[q.Name]:
			bad("named twice")
		}
		seen[q.Name] = true
		if strings.TrimSpace(q.Query) == "" {
			bad("query is empty")
		}
		if q.PageRows < 0 {
			bad("page_rows must be positive")
		}
		switch {
		case q.DSNEnv == "":
			bad("dsn_env must name the environment variable holding the database URL")
		default:
			if q.DSN = strings.TrimSpace(getenv(q.DSNEnv)); q.DSN == "" {
				bad("environment variable %s (its dsn_env) is not set", q.DSNEnv)
			}
		}
	}
	return doc.Sources, errors.Join(errs...)
}

// SQLSourceName is the sync_source name of a query.
func SQLSourceName(query string) string { return "sql:" + query }

// SQLSource runs one SQLQuery and streams its rows, PageRows per page, as
// signals. Its cursor is an RFC 3339 time: while rows come ordered by
// observed_at each page advances it to its last row's time, and the end of
// the query to the latest time read; a query whose $1 filter is
// `observed_at >= $1` therefore rereads (unchanged) only the rows at the
// watermark.
type SQLSource struct {
	Q       SQLQuery
	Connect func(ctx context.Context, dsn string) (*pgx.Conn, error) // nil: pgx.Connect
	// Kinds are the value ranges of signals of a known kind, checked as
	// the REST and CSV intake check them (ingest/valid); nil: the built-in
	// catalog's.
	Kinds valid.Kinds

	conn              *pgx.Conn
	rows              pgx.Rows
	col               [5]int // account, metric, observed_at, value, source; -1 absent
	start, latest     time.Time
	ordered           bool
	line              int64
	source            *string
	observedAt        time.Time
	value             *float64
	accountV, metricV *string
	scan              []any
}

// Name implements Source.
func (s *SQLSource) Name() string { return SQLSourceName(s.Q.Name) }

// sqlColumns are the columns a query must return; source is optional.
var sqlColumns = []string{"account", "metric", "observed_at", "value", "source"}

// Fetch implements Source: the first call runs the query with $1 = cursor.
func (s *SQLSource) Fetch(ctx context.Context, cursor string) (Page, error) {
	if s.rows == nil {
		if err := s.open(ctx, cursor); err != nil {
			s.Close()
			return Page{}, err
		}
	}
	pageRows := s.Q.PageRows
	if pageRows == 0 {
		pageRows = 50_000
	}
	if s.Kinds == nil {
		s.Kinds = valid.BuiltinKinds()
	}
	p := Page{Signals: make([]store.SignalRow, 0, min(pageRows, 4096))}
	var bad []store.RowError
	for n := 0; n < pageRows && len(bad) <= store.MaxRowErrors && s.rows.Next(); n++ {
		s.line++
		row, column, problem := s.row()
		if problem != "" {
			bad = append(bad, store.RowError{Line: s.line, Column: column, Problem: problem})
			continue
		}
		if row.ObservedAt.Before(s.latest) {
			s.ordered = false
		} else {
			s.latest = row.ObservedAt
		}
		p.Signals = append(p.Signals, row)
	}
	if len(bad) > 0 {
		s.Close()
		return Page{}, badRows(bad)
	}
	p.Read = int64(len(p.Signals))
	if len(p.Signals) == pageRows {
		p.Next = s.cursor(s.ordered)
		return p, nil
	}
	err := s.rows.Err()
	s.Close()
	if err != nil {
		return Page{}, fmt.Errorf("query %s: %w", s.Q.Name, err)
	}
	p.Next, p.Done = s.cursor(true), true
	return p, nil
}

// cursor is the latest time read when rows so far may be skipped next time.
func (s *SQLSource) cursor(advance bool) string {
	t := s.start
	if advance && s.latest.After(t) {
		t = s.latest
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (s *SQLSource) open(ctx context.Context, cursor string) error {
	s.start = s.Q.Start
	if s.start.IsZero() {
		s.start = time.Unix(0, 0).UTC()
	}
	if cursor != "" {
		t, err := time.Parse(time.RFC3339Nano, cursor)
		if err != nil {
			return fmt.Errorf("stored cursor %q is not a time; run with --full", cursor)
		}
		s.start = t
	}
	s.latest, s.ordered = s.start, true
	connect := s.Connect
	if connect == nil {
		connect = pgx.Connect
	}
	conn, err := connect(ctx, s.Q.DSN)
	if err != nil {
		return fmt.Errorf("connect to the database in %s: %w", s.Q.DSNEnv, err)
	}
	s.conn = conn
	rows, err := conn.Query(ctx, s.Q.Query, s.start)
	if err != nil {
		return fmt.Errorf("run query %s: %w", s.Q.Name, err)
	}
	s.rows = rows
	return s.columns()
}

// columns maps the query's columns and fails naming the ones expected.
func (s *SQLSource) columns() error {
	s.col = [5]int{-1, -1, -1, -1, -1}
	var got []string
	fds := s.rows.FieldDescriptions()
	for i, fd := range fds {
		got = append(got, fd.Name)
		if j := slices.Index(sqlColumns, strings.ToLower(fd.Name)); j >= 0 && s.col[j] < 0 {
			s.col[j] = i
		} else {
			return fmt.Errorf("query %s returns column %q; it must return exactly account, metric, observed_at, value and optionally source (got %s)",
				s.Q.Name, fd.Name, strings.Join(got, ", "))
		}
	}
	for j, c := range sqlColumns[:4] {
		if s.col[j] < 0 {
			return fmt.Errorf("query %s returns no %s column; it must return account, metric, observed_at, value and optionally source (got %s)",
				s.Q.Name, c, strings.Join(got, ", "))
		}
	}
	s.scan = make([]any, len(fds))
	s.scan[s.col[0]], s.scan[s.col[1]] = &s.accountV, &s.metricV
	s.scan[s.col[2]], s.scan[s.col[3]] = &s.observedAt, &s.value
	if s.col[4] >= 0 {
		s.scan[s.col[4]] = &s.source
	}
	return nil
}

// row scans and checks the current row; a bad one has the column at fault
// and its problem.
func (s *SQLSource) row() (row store.SignalRow, column, problem string) {
	s.accountV, s.metricV, s.source, s.value = nil, nil, nil, nil
	s.observedAt = time.Time{}
	if err := s.rows.Scan(s.scan...); err != nil {
		return row, "", fmt.Sprintf("%v (cast columns in the query: account::text, metric::text, observed_at::timestamptz, value::float8)", err)
	}
	switch {
	case s.accountV == nil || *s.accountV == "":
		return row, "account", "is empty"
	case s.metricV == nil || *s.metricV == "":
		return row, "metric", "is empty"
	case s.observedAt.IsZero():
		return row, "observed_at", "is null"
	case s.value == nil:
		return row, "value", "is null"
	case math.IsNaN(*s.value) || math.IsInf(*s.value, 0):
		return row, "value", fmt.Sprintf("is %v, not a finite number", *s.value)
	}
	if p := s.Kinds.SignalValue(*s.metricV, *s.value); p != "" {
		return row, "value", fmt.Sprintf("%v %s", *s.value, p)
	}
	src := ""
	if s.source != nil {
		src = *s.source
	}
	return store.SignalRow{Line: s.line, Account: *s.accountV, Metric: *s.metricV, ObservedAt: s.observedAt, Value: *s.value, Source: src}, "", ""
}

// badRows is the error of a page with bad rows: the page is not written
// (the cursor stays before it) and every bad row is named by its place in
// the query's order, as a CSV import names a file's lines. It wraps the
// rows as a *store.ImportError.
func badRows(bad []store.RowError) error {
	ie := &store.ImportError{Code: store.CodeBadRows, Rows: bad}
	if len(bad) > store.MaxRowErrors {
		ie.Rows, ie.More = bad[:store.MaxRowErrors], true
	}
	parts := make([]string, len(ie.Rows))
	for i, r := range ie.Rows {
		parts[i] = fmt.Sprintf("row %d: %s %s", r.Line, r.Column, r.Problem)
		if r.Column == "" {
			parts[i] = fmt.Sprintf("row %d: %s", r.Line, r.Problem)
		}
	}
	more := ""
	if ie.More {
		more = " and more"
	}
	return &badPage{rows: ie, msg: strings.Join(parts, ", ") + more + "; nothing written for this page"}
}

// badPage says in one line what is wrong with a page's rows; the rows
// themselves are its *store.ImportError.
type badPage struct {
	rows *store.ImportError
	msg  string
}

func (e *badPage) Error() string { return e.msg }
func (e *badPage) Unwrap() error { return e.rows }

// Close ends the query and the connection; Fetch calls it at the end.
func (s *SQLSource) Close() {
	if s.rows != nil {
		s.rows.Close()
		s.rows = nil
	}
	if s.conn != nil {
		_ = s.conn.Close(context.Background())
		s.conn = nil
	}
}
