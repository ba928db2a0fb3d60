package csvimport

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

var accountSchema = schema{
	kind:     "accounts",
	fields:   store.AccountFields,
	required: []string{"external_id", "name"},
	text: map[string]valid.Field{"external_id": valid.ExternalID, "name": valid.AccountName, "domain": valid.AccountText,
		"segment": valid.AccountText, "plan": valid.AccountText, "outcome": valid.AccountText,
		"owner_email": valid.Email, "owner_slack_id": valid.SlackID},
}

// AccountReader reads an accounts CSV one row at a time; columns that are no
// account field become attributes. It is a store.AccountSource.
type AccountReader struct {
	rows
	// LastWins lets an external_id repeat (its last row wins); without it
	// each repeat is a bad row naming the line it repeats.
	LastWins bool
	seen     map[string]int64 // external_id → first line
	idx      map[string]int
	attrs    []byte // reused JSON buffer; a row's Attributes is valid until the next Next
}

var _ store.AccountSource = (*AccountReader)(nil)

// NewAccountReader reads the header of r and checks it names external_id and
// name, directly or through m.
func NewAccountReader(r io.Reader, m Mapping) (*AccountReader, error) {
	cr := newReader(r)
	h, err := readHeader(cr, accountSchema, m)
	if err != nil {
		return nil, err
	}
	for _, c := range h.extras {
		if h.names[c] == "" {
			return nil, headerError("column %d of the header has no name; name it (it becomes an attribute) or remove it", c+1)
		}
	}
	idx := map[string]int{}
	for _, f := range accountSchema.fields {
		idx[f] = h.index(f)
	}
	return &AccountReader{rows: rows{cr: cr, h: h, sc: accountSchema, Now: time.Now()}, idx: idx, seen: map[string]int64{}}, nil
}

// Fields lists the account fields the file carries.
func (a *AccountReader) Fields() []string { return a.h.present(accountSchema) }

// Attributes lists the file's columns that become attributes.
func (a *AccountReader) Attributes() []string {
	out := make([]string, len(a.h.extras))
	for i, c := range a.h.extras {
		out[i] = a.h.names[c]
	}
	return out
}

// Next fills row with the next good row, like SignalReader.Next.
func (a *AccountReader) Next(row *store.AccountRow) bool {
	for {
		rec, line, ok := a.next()
		if !ok {
			return false
		}
		if a.parse(rec, line, row) && a.ok() {
			return true
		}
	}
}

// Err is nil after a clean read, an *store.ImportError listing bad rows, or
// the read error that cut the file short.
func (a *AccountReader) Err() error { return a.err() }

// ColumnName is the file's name for a field.
func (a *AccountReader) ColumnName(field string) string { return a.h.column(field) }

func (a *AccountReader) parse(rec []string, line int64, row *store.AccountRow) bool {
	c := cells{rec: rec, idx: a.idx, line: line, r: &a.rows, good: true}
	*row = store.AccountRow{
		Line:         line,
		ExternalID:   c.required("external_id"),
		Name:         c.required("name"),
		Domain:       c.text("domain"),
		Segment:      c.text("segment"),
		OwnerEmail:   c.email("owner_email"),
		OwnerSlackID: c.slackID("owner_slack_id"),
		Plan:         c.text("plan"),
		MRR:          c.mrr("mrr"),
		Seats:        c.seats("seats"),
		RenewalDate:  c.date("renewal_date", valid.Planned),
		StartedAt:    c.date("started_at", valid.Happened),
		ChurnedAt:    c.date("churned_at", valid.Happened),
	}
	a.attrs = a.appendAttributes(a.attrs[:0], rec)
	row.Attributes = a.attrs
	if id := row.ExternalID; id != "" && !a.LastWins {
		if first, dup := a.seen[id]; dup {
			c.bad("external_id", fmt.Sprintf("%q is also on line %d: keep one row per account, or import with --last-wins", id, first))
		} else {
			a.seen[id] = line
		}
	}
	return c.good
}

// appendAttributes encodes the row's non-empty extra cells as a JSON object
// keyed by column name.
func (a *AccountReader) appendAttributes(buf []byte, rec []string) []byte {
	buf = append(buf, '{')
	n := 0
	for _, i := range a.h.extras {
		v := strings.TrimSpace(rec[i])
		if v == "" {
			continue
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		k, _ := json.Marshal(a.h.names[i])
		val, _ := json.Marshal(v)
		buf = append(append(append(buf, k...), ':'), val...)
		n++
	}
	return append(buf, '}')
}

// cells parses the fields of one account row, recording each bad cell.
type cells struct {
	rec  []string
	idx  map[string]int
	line int64
	r    *rows
	good bool
}

func (c *cells) text(field string) string { return get(c.rec, c.idx[field]) }

func (c *cells) bad(field, problem string) {
	c.r.cell(c.line, field, problem)
	c.good = false
}

func (c *cells) required(field string) string {
	v := c.text(field)
	if v == "" {
		c.bad(field, "is empty")
	}
	return v
}

func (c *cells) email(field string) string {
	v := strings.ToLower(c.text(field))
	if v == "" {
		return ""
	}
	local, domain, ok := strings.Cut(v, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(v, " \t,;<>") || strings.Contains(domain, "@") {
		c.bad(field, fmt.Sprintf("%q is not an email address", v))
	}
	return v
}

// slackID accepts Slack user ids like U024BE7LH (W… on Enterprise Grid).
func (c *cells) slackID(field string) string {
	v := c.text(field)
	if v == "" {
		return ""
	}
	good := len(v) >= 3 && (v[0] == 'U' || v[0] == 'W')
	for _, ch := range v {
		good = good && (ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9')
	}
	if !good {
		c.bad(field, fmt.Sprintf("%q is not a Slack user id (like U024BE7LH)", v))
	}
	return v
}

func (c *cells) mrr(field string) float64 {
	s := c.text(field)
	if s == "" {
		return 0
	}
	v, problem := parseNumber(s, valid.MRR)
	if problem != "" {
		c.bad(field, problem)
	}
	return v
}

func (c *cells) seats(field string) int32 {
	s := c.text(field)
	if s == "" {
		return 0
	}
	v, err := strconv.ParseInt(s, 10, 32)
	switch {
	case errors.Is(err, strconv.ErrRange):
		c.bad(field, fmt.Sprintf("%q is too large", s))
	case err != nil:
		c.bad(field, fmt.Sprintf("%q is not a whole number", s))
	case v < 0:
		c.bad(field, fmt.Sprintf("%q is negative", s))
	}
	return int32(v)
}

func (c *cells) date(field string, policy func(t, now time.Time) string) time.Time {
	s := c.text(field)
	if s == "" {
		return time.Time{}
	}
	t, problem := parseDate(s)
	if problem != "" {
		c.bad(field, problem)
	} else if !c.r.date(c.line, field, t, policy) {
		c.good = false
	}
	return t
}
