package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/ingest/valid"
)

// decodeEnvelope reads {"<field>": [item, ...]} and returns the raw items.
// Anything else is a malformed body: the client has to fix its code, and
// retrying it will not help.
func decodeEnvelope(body []byte, field string, maxItems int) ([]json.RawMessage, *healthbot.Error) {
	shape := fmt.Sprintf(`the body must be a JSON object {"%s": [...]}`, field)
	switch t := bytes.TrimLeft(body, " \t\r\n"); {
	case len(t) == 0:
		return nil, errMalformed("the body is empty; %s", shape)
	case t[0] == '[':
		return nil, errMalformed("the body is a JSON array; %s", shape)
	case t[0] != '{':
		return nil, errMalformed("the body is not a JSON object; %s", shape)
	}
	var env map[string]json.RawMessage
	if err := json.Unmarshal(body, &env); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, errMalformed("the body is not valid JSON (at byte %d: %s); %s", se.Offset, strings.TrimPrefix(se.Error(), "json: "), shape)
		}
		return nil, errMalformed("the body is not valid JSON; %s", shape)
	}
	raw, ok := env[field]
	if !ok {
		return nil, errMalformed(`the body must be {"%s": [...]}`, field)
	}
	for k := range env {
		if k != field {
			return nil, errMalformed(`unknown top-level field %q; the body must be {"%s": [...]}`, k, field)
		}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errMalformed("%q must be an array of objects", field)
	}
	if len(items) == 0 {
		return nil, errMalformed("%q is empty", field)
	}
	if len(items) > maxItems {
		return nil, errTooLarge("%d %s in one batch; send at most %d", len(items), field, maxItems)
	}
	return items, nil
}

// decodeItem decodes one item strictly (unknown fields are errors, to catch
// typos like "observedAt") and names the field at fault.
func decodeItem(raw json.RawMessage, v any) (field, why string, ok bool) {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return "", "must be a JSON object", false
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		return "", "", true
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field, fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value), false
	}
	var fe fieldError
	if errors.As(err, &fe) {
		return fe.field, fe.why, false
	}
	if msg := err.Error(); strings.HasPrefix(msg, `json: unknown field "`) {
		name := strings.TrimSuffix(strings.TrimPrefix(msg, `json: unknown field "`), `"`)
		return name, "is not a known field", false
	}
	if errors.Is(err, io.EOF) {
		return "", "is empty", false
	}
	return "", err.Error(), false
}

func jsonKind(goKind string) string {
	switch goKind {
	case "float64", "float32", "int", "int32", "int64":
		return "a number"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	case "map", "struct":
		return "an object"
	case "bool":
		return "true or false"
	}
	return goKind
}

// fieldError lets custom unmarshalers name their field.
type fieldError struct{ field, why string }

func (e fieldError) Error() string { return e.field + " " + e.why }

// problems collects the item errors of a batch.
type problems []ItemError

func (p *problems) add(i int, field, format string, args ...any) {
	*p = append(*p, ItemError{Index: i, Field: field, Why: fmt.Sprintf(format, args...)})
}

// text checks a string field, required or not, by the intake policy for
// its kind (valid.Text: storable, capped). It reports whether it is fine.
func (p *problems) text(i int, field, v string, required bool, f valid.Field) bool {
	if v == "" && required {
		p.add(i, field, "is required")
		return false
	}
	if why := valid.Text(f, v); why != "" {
		p.add(i, field, "%s", why)
		return false
	}
	return true
}

// parseTime reads an RFC 3339 timestamp or a plain date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-03-02T15:04:05Z) or a date (2026-03-02)", s)
}

// timeField checks a required or optional time of something that happened
// (valid.Happened).
func (p *problems) timeField(i int, field, v string, required bool, now time.Time) time.Time {
	return p.timeFieldBy(i, field, v, required, now, valid.Happened)
}

// timeFieldBy checks a required or optional time field by a date policy.
func (p *problems) timeFieldBy(i int, field, v string, required bool, now time.Time, policy func(t, now time.Time) string) time.Time {
	if v == "" {
		if required {
			p.add(i, field, "is required")
		}
		return time.Time{}
	}
	t, err := parseTime(v)
	if err != nil {
		p.add(i, field, "%v", err)
		return time.Time{}
	}
	if why := policy(t, now); why != "" {
		p.add(i, field, "%s", why)
		return time.Time{}
	}
	return t
}

// rawItem is one batch item decoded field by field, so every problem can
// name its field and absent can be told from null.
type rawItem map[string]json.RawMessage

// decodeRaw decodes an item into its fields and flags unknown ones.
func (p *problems) decodeRaw(i int, raw json.RawMessage, known ...string) (rawItem, bool) {
	var it rawItem
	if err := json.Unmarshal(raw, &it); err != nil || it == nil {
		p.add(i, "", "must be a JSON object")
		return nil, false
	}
	ok := true
	for k := range it {
		if !slices.Contains(known, k) {
			p.add(i, k, "is not a known field (known: %s)", strings.Join(known, ", "))
			ok = false
		}
	}
	return it, ok
}

// field decodes it[name] into v. It reports whether the field was present
// and whether it was null; a wrong type is recorded as a problem.
func (p *problems) field(i int, it rawItem, name string, v any, kind string) (present, null bool) {
	raw, ok := it[name]
	if !ok {
		return false, false
	}
	if string(raw) == "null" {
		return true, true
	}
	if err := json.Unmarshal(raw, v); err != nil {
		p.add(i, name, "must be %s", kind)
		return false, false
	}
	return true, false
}
