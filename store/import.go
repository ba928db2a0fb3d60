package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// SignalKey derives the idempotency key of an observation sent without one,
// so the same observation imported or posted twice is stored once.
//
// It is the hex of the first 16 bytes of SHA-256 over
// account NUL metric NUL observed_at-as-big-endian-int64-Unix-microseconds source.
// Time is cut to microseconds, the precision Postgres stores.
func SignalKey(accountExternalID, metric string, observedAt time.Time, source string) string {
	var k signalKeyer
	return string(k.key(accountExternalID, metric, observedAt, source))
}

// signalKeyer computes SignalKey into reused buffers, so an import of
// millions of rows allocates nothing per key.
type signalKeyer struct {
	in  []byte
	out [32]byte
}

// key returns the key in a buffer that the next call overwrites.
func (k *signalKeyer) key(account, metric string, observedAt time.Time, source string) []byte {
	k.in = append(k.in[:0], account...)
	k.in = append(k.in, 0)
	k.in = append(k.in, metric...)
	k.in = append(k.in, 0)
	k.in = binary.BigEndian.AppendUint64(k.in, uint64(observedAt.UnixMicro()))
	k.in = append(k.in, source...)
	sum := sha256.Sum256(k.in)
	hex.Encode(k.out[:], sum[:16])
	return k.out[:]
}

// signalKeySQL is SignalKey as a SQL expression over columns account,
// metric, observed_at and source, for keys derived inside Postgres (usage
// rollups); TestSignalKeySQLMatchesSignalKey proves both agree.
const signalKeySQL = `encode(substring(sha256(
	convert_to(account, 'UTF8') || '\x00'::bytea || convert_to(metric, 'UTF8') || '\x00'::bytea ||
	int8send((extract(epoch FROM observed_at) * 1000000)::int8) || convert_to(source, 'UTF8')
) FROM 1 FOR 16), 'hex')`

// ImportSummary counts what one import did. Unchanged rows matched a stored
// row with the same key and the same values; a key repeated within the file
// counts once as written and otherwise as unchanged.
type ImportSummary struct {
	Read, Inserted, Updated, Unchanged int64
}

// ImportError is the user-safe reason an import wrote nothing: a bad header
// (Message) or bad rows (Rows, in line order; More when some were left out).
type ImportError struct {
	Code    string // "bad_header" or "bad_rows"
	Message string
	Rows    []RowError
	More    bool
}

// RowError names one bad cell of an import file.
type RowError struct {
	Line    int64
	Column  string
	Problem string
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Problem)
	}
	return fmt.Sprintf("line %d, column %q: %s", e.Line, e.Column, e.Problem)
}

// Import error codes.
const (
	CodeBadHeader = "bad_header"
	CodeBadRows   = "bad_rows"
)

// MaxRowErrors bounds how many bad rows an import reports before giving up.
const MaxRowErrors = 20

func (e *ImportError) Error() string {
	if len(e.Rows) == 0 {
		return e.Message
	}
	var b strings.Builder
	switch {
	case e.More:
		fmt.Fprintf(&b, "more than %d bad rows, nothing imported:", len(e.Rows))
	case len(e.Rows) == 1:
		b.WriteString("1 bad row, nothing imported:")
	default:
		fmt.Fprintf(&b, "%d bad rows, nothing imported:", len(e.Rows))
	}
	for _, r := range e.Rows {
		b.WriteString("\n  ")
		b.WriteString(r.Error())
	}
	return b.String()
}

// SignalRow is one observation to import; Line locates it in its source file.
type SignalRow struct {
	Line       int64
	Account    string // external id
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// SignalSource streams signal rows. Next fills row and reports whether there
// was one; Err, after the stream ends, says why it ended early (an
// *ImportError for bad input), which aborts the import. ColumnName gives the
// source's own name for a field, so errors found in SQL name the file's column.
type SignalSource interface {
	Next(row *SignalRow) bool
	Err() error
	ColumnName(field string) string
}

// signalCopy adapts a SignalSource to pgx's CopyFromSource and adds each
// row's idempotency key, computed here rather than in SQL, where hashing a
// million rows costs seconds. Values hands out pointers to pgtype values
// that pgx encodes without reflection, so a row costs one allocation (its key).
type signalCopy struct {
	src  SignalSource
	row  SignalRow
	keys signalKeyer

	line                         pgtype.Int8
	account, metric, source, key pgtype.Text
	observedAt                   pgtype.Timestamptz
	value                        pgtype.Float8
	vals                         []any
}

func newSignalCopy(src SignalSource) *signalCopy {
	c := &signalCopy{src: src}
	c.vals = []any{&c.line, &c.account, &c.metric, &c.observedAt, &c.value, &c.source, &c.key}
	return c
}

func (c *signalCopy) Next() bool {
	if !c.src.Next(&c.row) {
		return false
	}
	r := &c.row
	c.line = pgtype.Int8{Int64: r.Line, Valid: true}
	c.account = pgtype.Text{String: r.Account, Valid: true}
	c.metric = pgtype.Text{String: r.Metric, Valid: true}
	c.observedAt = pgtype.Timestamptz{Time: r.ObservedAt, Valid: true}
	c.value = pgtype.Float8{Float64: r.Value, Valid: true}
	c.source = pgtype.Text{String: r.Source, Valid: true}
	c.key = pgtype.Text{String: string(c.keys.key(r.Account, r.Metric, r.ObservedAt, r.Source)), Valid: true}
	return true
}

func (c *signalCopy) Values() ([]any, error) { return c.vals, nil }
func (c *signalCopy) Err() error             { return c.src.Err() }

var signalStagingColumns = []string{"line", "account", "metric", "observed_at", "value", "source", "key"}

const createSignalStaging = `CREATE TEMP TABLE import_signal (
	line bigint NOT NULL, account text NOT NULL, metric text NOT NULL,
	observed_at timestamptz NOT NULL, value float8 NOT NULL, source text NOT NULL, key text NOT NULL
) ON COMMIT DROP`

// ImportSignals streams src into a staging table with COPY, then in the same
// transaction checks that every account exists and merges the rows into
// signal by idempotency key. Any bad row means nothing is written.
func (s *Store) ImportSignals(ctx context.Context, src SignalSource) (ImportSummary, error) {
	var sum ImportSummary
	err := s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.db.Exec(ctx, createSignalStaging); err != nil {
			return fmt.Errorf("create staging table: %w", err)
		}
		n, err := tx.db.CopyFrom(ctx, pgx.Identifier{"import_signal"}, signalStagingColumns, newSignalCopy(src))
		if err != nil {
			return copyError(src, err)
		}
		sum.Read = n
		if err := tx.checkSignalAccounts(ctx, src); err != nil {
			return err
		}
		if sum.Inserted, sum.Updated, err = tx.mergeSignals(ctx); err != nil {
			return err
		}
		sum.Unchanged = sum.Read - sum.Inserted - sum.Updated
		_, err = tx.db.Exec(ctx, "DROP TABLE import_signal")
		return err
	})
	return sum, err
}

// copyError prefers the source's own error (an *ImportError for bad input)
// to the server's report of the COPY the source aborted.
func copyError(src interface{ Err() error }, err error) error {
	if srcErr := src.Err(); srcErr != nil {
		return srcErr
	}
	return fmt.Errorf("copy into staging table: %w", err)
}

// checkSignalAccounts reports rows whose account external id is unknown.
func (s *Store) checkSignalAccounts(ctx context.Context, src SignalSource) error {
	rows, err := s.db.Query(ctx, `
		SELECT s.line, s.account FROM import_signal s
		WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.external_id = s.account)
		ORDER BY s.line LIMIT $1`, MaxRowErrors+1)
	if err != nil {
		return fmt.Errorf("check accounts: %w", err)
	}
	col := src.ColumnName("account")
	var bad []RowError
	var line int64
	var account string
	_, err = pgx.ForEachRow(rows, []any{&line, &account}, func() error {
		bad = append(bad, RowError{Line: line, Column: col, Problem: fmt.Sprintf("no account %q", account)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("check accounts: %w", err)
	}
	return rowErrors(bad)
}

// rowErrors turns up to MaxRowErrors+1 found problems into an *ImportError,
// or nil when there are none.
func rowErrors(bad []RowError) error {
	if len(bad) == 0 {
		return nil
	}
	ie := &ImportError{Code: CodeBadRows}
	if len(bad) > MaxRowErrors {
		bad, ie.More = bad[:MaxRowErrors], true
	}
	ie.Rows = bad
	return ie
}

// mergeSignalsSQL upserts the staged rows by idempotency key; a stored row is
// rewritten only when its value changed. %s is the staged relation.
const mergeSignalsSQL = `WITH merged AS (
	INSERT INTO signal AS t (account_id, metric, observed_at, value, source, idempotency_key)
	SELECT a.id, s.metric, s.observed_at, s.value, s.source, s.key
	FROM %s s JOIN account a ON a.external_id = s.account
	ON CONFLICT (idempotency_key) DO UPDATE SET value = EXCLUDED.value, ingested_at = now()
	WHERE t.value IS DISTINCT FROM EXCLUDED.value
	RETURNING (t.xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM merged`

// lastSignalPerKey keeps, for a key repeated within the file, its last line.
const lastSignalPerKey = `(SELECT DISTINCT ON (key) * FROM import_signal ORDER BY key, line DESC)`

// mergeSignals merges the staged rows. A key repeated within the file makes
// a single INSERT touch a row twice, which Postgres refuses; only then, in a
// savepoint, is the file reduced to the last line per key, so the common
// case pays no sort.
func (s *Store) mergeSignals(ctx context.Context) (inserted, updated int64, err error) {
	err = s.InTx(ctx, func(sp *Store) error {
		return sp.db.QueryRow(ctx, fmt.Sprintf(mergeSignalsSQL, "import_signal")).Scan(&inserted, &updated)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "21000" { // cardinality_violation
		err = s.db.QueryRow(ctx, fmt.Sprintf(mergeSignalsSQL, lastSignalPerKey)).Scan(&inserted, &updated)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("merge signals: %w", err)
	}
	return inserted, updated, nil
}
