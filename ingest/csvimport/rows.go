package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// rows walks the records after the header and collects bad rows. After the
// first bad row it keeps reading only to report more (up to
// store.MaxRowErrors), handing out no rows, since nothing will be written.
type rows struct {
	cr *csv.Reader
	h  *header
	sc schema
	// Now is the time dates are checked against (valid.Happened,
	// valid.Planned); zero means the wall clock when the reader was made.
	Now   time.Time
	bad   []store.RowError
	more  bool
	fatal error
	done  bool
}

// next returns the next well-formed record and its line number.
func (r *rows) next() ([]string, int64, bool) {
	for !r.done {
		rec, err := r.cr.Read()
		if err != nil {
			r.stop(err)
			continue
		}
		line, _ := r.cr.FieldPos(0)
		if len(rec) != len(r.h.names) {
			r.add(store.RowError{Line: int64(line), Problem: fmt.Sprintf("%d fields, but the header has %d", len(rec), len(r.h.names))})
			continue
		}
		if !r.storable(rec, int64(line)) {
			continue
		}
		return rec, int64(line), true
	}
	return nil, 0, false
}

// storable checks every cell by its field's text policy (valid.Text: no
// NUL, valid UTF-8, the field's length cap), naming line and column.
func (r *rows) storable(rec []string, line int64) bool {
	ok := true
	for i, v := range rec {
		if why := valid.Text(r.h.textPolicy(r.sc, i), strings.TrimSpace(v)); why != "" {
			r.add(store.RowError{Line: line, Column: r.h.names[i], Problem: why})
			ok = false
		}
	}
	return ok
}

// date checks a date cell's value by a date policy.
func (r *rows) date(line int64, field string, t time.Time, policy func(t, now time.Time) string) bool {
	if why := policy(t, r.Now); why != "" {
		r.cell(line, field, why)
		return false
	}
	return true
}

// stop ends the walk on end of file, malformed CSV (reported on its line)
// or a read error.
func (r *rows) stop(err error) {
	r.done = true
	var pe *csv.ParseError
	switch {
	case errors.Is(err, io.EOF):
	case errors.As(err, &pe):
		r.add(store.RowError{Line: int64(pe.Line), Problem: "malformed CSV: " + pe.Err.Error()})
	default:
		r.fatal = fmt.Errorf("read CSV: %w", err)
	}
}

// add records a bad row; past store.MaxRowErrors it ends the walk.
func (r *rows) add(e store.RowError) {
	if len(r.bad) == store.MaxRowErrors {
		r.more, r.done = true, true
		return
	}
	r.bad = append(r.bad, e)
}

// cell records a problem with one field of a row.
func (r *rows) cell(line int64, field, problem string) {
	r.add(store.RowError{Line: line, Column: r.h.column(field), Problem: problem})
}

// ok reports whether no bad row has been seen, so rows may still be handed out.
func (r *rows) ok() bool { return len(r.bad) == 0 }

func (r *rows) err() error {
	if r.fatal != nil {
		return r.fatal
	}
	if len(r.bad) == 0 {
		return nil
	}
	return &store.ImportError{Code: store.CodeBadRows, Rows: r.bad, More: r.more}
}

// get returns a field's trimmed cell, or "" when the file lacks the field.
func get(rec []string, i int) string {
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// parseNumber accepts a finite decimal number in k's range.
func parseNumber(s string, k valid.Kind) (float64, string) {
	return parseNumberBy(s, func(v float64) string { return valid.Number(k, v) })
}

// parseNumberBy parses a number and checks it with check (a valid policy).
func parseNumberBy(s string, check func(float64) string) (float64, string) {
	if s == "" {
		return 0, "is empty"
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(v) {
		return 0, fmt.Sprintf("%q is not a number", s)
	}
	if why := check(v); why != "" {
		return 0, fmt.Sprintf("%q %s", s, why)
	}
	return v, ""
}

// parseTime accepts YYYY-MM-DD (midnight UTC) or RFC 3339.
func parseTime(s string) (time.Time, string) {
	if s == "" {
		return time.Time{}, "is empty"
	}
	if len(s) == len(time.DateOnly) {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t, ""
		}
	} else if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, ""
	}
	return time.Time{}, fmt.Sprintf("%q is not a date (use YYYY-MM-DD or RFC 3339)", s)
}

// parseDate is parseTime cut to the calendar date written in the file.
func parseDate(s string) (time.Time, string) {
	t, problem := parseTime(s)
	if problem != "" {
		return t, problem
	}
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), ""
}
