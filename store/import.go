package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// ImportSummary counts what one import did. Unchanged rows matched a stored
// row with the same key and the same values; a key repeated within the file
// counts once as written and otherwise as unchanged (or as updated, when
// the repeats are chunks apart in a month that had rows before).
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

// importChunk is how many rows the import resolves and writes at a time:
// large enough that the per-chunk staging round trip is noise and a month
// of a nightly export lands in its partition in one ordered COPY, small
// enough that the two chunks in flight are tens of megabytes.
const importChunk = 1 << 18

// ImportSignals streams src in chunks through the signal writer, all in one
// transaction: each chunk's accounts are resolved once (unknown ones are
// bad rows), and a chunk whose keys cannot already be stored is COPYed
// straight into its partition. The next chunk is read and parsed while
// this one is written. Any bad row means nothing is written.
func (s *Store) ImportSignals(ctx context.Context, src SignalSource) (ImportSummary, error) {
	var sum ImportSummary
	err := s.InTx(ctx, func(tx *Store) error {
		imp := signalImport{tx: tx, src: src, ids: map[string]int64{}}
		chunks := readChunks(src, importChunk)
		defer chunks.close()
		for rows := range chunks.full {
			if err := imp.flush(ctx, rows, &sum); err != nil {
				return err
			}
			chunks.free <- rows[:0]
		}
		chunks.close()
		sum.Read = chunks.read
		if err := src.Err(); err != nil {
			return err
		}
		if err := rowErrors(imp.bad); err != nil {
			return err
		}
		repeats, err := imp.fresh.attach(ctx, tx)
		if err != nil {
			return err
		}
		sum.Inserted -= repeats
		sum.Unchanged = sum.Read - sum.Inserted - sum.Updated
		return nil
	})
	return sum, err
}

// chunkReader reads a SignalSource into chunks on a goroutine of its own,
// one chunk ahead of the writer, so parsing overlaps the COPY: on two
// cores the CSV work costs the import nothing. Two buffers take turns.
type chunkReader struct {
	full      chan []SignalRow // chunks read, in order; closed at the end
	free      chan []SignalRow // buffers the writer is done with
	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	read      int64 // rows read; safe to read after close
}

func readChunks(src SignalSource, size int) *chunkReader {
	r := &chunkReader{full: make(chan []SignalRow), free: make(chan []SignalRow, 2),
		stop: make(chan struct{}), done: make(chan struct{})}
	r.free <- make([]SignalRow, 0, size)
	r.free <- make([]SignalRow, 0, size)
	go r.run(src, size)
	return r
}

func (r *chunkReader) run(src SignalSource, size int) {
	defer close(r.done)
	defer close(r.full)
	buf := <-r.free
	var row SignalRow
	for src.Next(&row) {
		r.read++
		buf = append(buf, row)
		if len(buf)%4096 == 0 { // the writer failed: stop reading soon
			select {
			case <-r.stop:
				return
			default:
			}
		}
		if len(buf) < size {
			continue
		}
		select {
		case r.full <- buf:
		case <-r.stop:
			return
		}
		select {
		case buf = <-r.free:
		case <-r.stop:
			return
		}
	}
	if len(buf) > 0 {
		select {
		case r.full <- buf:
		case <-r.stop:
		}
	}
}

// close stops the reader and waits for it to return; the source is then
// the caller's again.
func (r *chunkReader) close() {
	r.closeOnce.Do(func() { close(r.stop) })
	<-r.done
}

// signalImport is one ImportSignals run: the accounts resolved so far (0:
// no such account) and the bad rows found.
type signalImport struct {
	tx    *Store
	src   SignalSource
	ids   map[string]int64
	recs  []signalRec
	bad   []RowError
	fresh freshMonths
}

// flush resolves and writes one chunk. Once a row is bad, nothing more is
// written: the rest is only read for further errors.
func (im *signalImport) flush(ctx context.Context, rows []SignalRow, sum *ImportSummary) error {
	if err := im.resolve(ctx, rows); err != nil {
		return err
	}
	im.recs = im.recs[:0]
	for i := range rows {
		r := &rows[i]
		id := im.ids[r.Account]
		if id == 0 {
			if len(im.bad) <= MaxRowErrors {
				im.bad = append(im.bad, RowError{Line: r.Line, Column: im.src.ColumnName("account"), Problem: fmt.Sprintf("no account %q", r.Account)})
			}
			continue
		}
		im.recs = append(im.recs, signalRec{Line: r.Line, AccountID: id, Metric: r.Metric, ObservedAt: r.ObservedAt, Value: r.Value, Source: r.Source})
	}
	if len(im.bad) > 0 {
		return nil
	}
	rest, err := im.fresh.split(ctx, im.tx, im.recs)
	if err != nil {
		return err
	}
	sum.Inserted += int64(len(im.recs) - len(rest))
	ins, upd, err := im.tx.writeSignals(ctx, rest, false)
	sum.Inserted += ins
	sum.Updated += upd
	return err
}

// resolve looks up, once each, the chunk's account external ids not seen
// before.
func (im *signalImport) resolve(ctx context.Context, rows []SignalRow) error {
	var unknown []string
	for i := range rows {
		ext := rows[i].Account
		if _, seen := im.ids[ext]; !seen {
			im.ids[ext] = 0
			unknown = append(unknown, ext)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	found, err := im.tx.AccountIDsByExternalID(ctx, unknown)
	if err != nil {
		return err
	}
	for ext, id := range found {
		im.ids[ext] = id
	}
	return nil
}

// copyError prefers the source's own error (an *ImportError for bad input)
// to the server's report of the COPY the source aborted.
func copyError(src interface{ Err() error }, err error) error {
	if srcErr := src.Err(); srcErr != nil {
		return srcErr
	}
	return fmt.Errorf("copy into staging table: %w", err)
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
