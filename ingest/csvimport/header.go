// Package csvimport reads account and signal CSV files row by row into the
// store's import rows: header mapping, parsing and validation, with no
// database, so a file of any size streams in constant memory.
package csvimport

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// Mapping renames CSV columns to import fields: lower-cased CSV column name
// to field name, from --map csvcol=field flags.
type Mapping map[string]string

// ParseMapping reads "csvcol=field" specs; fields are checked against the
// file kind when the header is read.
func ParseMapping(specs []string) (Mapping, error) {
	m := Mapping{}
	for _, spec := range specs {
		col, field, ok := strings.Cut(spec, "=")
		col, field = strings.TrimSpace(col), strings.TrimSpace(field)
		if !ok || col == "" || field == "" {
			return nil, fmt.Errorf("--map %q: want csvcol=field", spec)
		}
		key := strings.ToLower(col)
		if prev, dup := m[key]; dup && prev != field {
			return nil, fmt.Errorf("--map: column %q mapped twice (%s and %s)", col, prev, field)
		}
		m[key] = field
	}
	return m, nil
}

// schema describes one kind of file: the fields it knows and which of them
// the header must carry.
type schema struct {
	kind     string
	fields   []string
	required []string
	text     map[string]valid.Field // each field's text policy; others (attributes) are valid.AttributeStr
}

// textPolicy is the text policy of column i.
func (h *header) textPolicy(sc schema, i int) valid.Field {
	for field, c := range h.col {
		if c == i {
			if f, ok := sc.text[field]; ok {
				return f
			}
			break
		}
	}
	return valid.AttributeStr
}

// header is a resolved CSV header: where each field is, and the columns no
// field claims.
type header struct {
	names  []string       // the file's column names, trimmed
	col    map[string]int // field -> column index
	extras []int          // columns no field claims
}

// column is the file's name for a field, for error messages.
func (h *header) column(field string) string {
	if i, ok := h.col[field]; ok {
		return h.names[i]
	}
	return field
}

// index is the column of a field, or -1 when the file lacks it.
func (h *header) index(field string) int {
	if i, ok := h.col[field]; ok {
		return i
	}
	return -1
}

// present lists the schema's fields the file carries, in schema order.
func (h *header) present(sc schema) []string {
	var out []string
	for _, f := range sc.fields {
		if _, ok := h.col[f]; ok {
			out = append(out, f)
		}
	}
	return out
}

func headerError(format string, args ...any) error {
	return &store.ImportError{Code: store.CodeBadHeader, Message: fmt.Sprintf(format, args...)}
}

// newReader makes the strict CSV reader every import uses.
func newReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // counted by the readers, to report the line
	cr.ReuseRecord = true
	return cr
}

// readHeader reads the first record and resolves it against sc and m.
func readHeader(cr *csv.Reader, sc schema, m Mapping) (*header, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, headerError("the file is empty: the first line must be a header naming the columns (%s)", strings.Join(sc.fields, ","))
	}
	if err != nil {
		return nil, headerError("header: %v", err)
	}
	for col, field := range m {
		if !slices.Contains(sc.fields, field) {
			return nil, headerError("--map %s=%s: %s files have no field %q (fields: %s)", col, field, sc.kind, field, strings.Join(sc.fields, ", "))
		}
	}
	h := &header{names: make([]string, len(rec)), col: map[string]int{}}
	used := map[string]bool{}
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\uFEFF") // spreadsheet exports start with a byte-order mark
		}
		name = strings.TrimSpace(name)
		if why := valid.Text(valid.AttributeKey, name); why != "" {
			return nil, headerError("column %d of the header %s", i+1, why)
		}
		h.names[i] = name
		key := strings.ToLower(name)
		field, mapped := m[key]
		used[key] = mapped
		if !mapped && slices.Contains(sc.fields, key) {
			field = key
		}
		if field == "" {
			h.extras = append(h.extras, i)
			continue
		}
		if j, dup := h.col[field]; dup {
			return nil, headerError("columns %q and %q both give %s", h.names[j], name, field)
		}
		h.col[field] = i
	}
	if err := checkHeader(h, sc, m, used); err != nil {
		return nil, err
	}
	return h, nil
}

// checkHeader reports --map columns the header lacks and missing required fields.
func checkHeader(h *header, sc schema, m Mapping, used map[string]bool) error {
	var unused []string
	for col := range m {
		if !used[col] {
			unused = append(unused, col)
		}
	}
	if len(unused) > 0 {
		slices.Sort(unused)
		return headerError("--map names columns the header lacks: %s (header: %s)", strings.Join(unused, ", "), strings.Join(h.names, ","))
	}
	var missing []string
	for _, f := range sc.required {
		if _, ok := h.col[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return headerError("missing required columns: %s (header: %s; rename with --map csvcol=field)",
			strings.Join(missing, ", "), strings.Join(h.names, ","))
	}
	return nil
}
