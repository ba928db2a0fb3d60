// Package valid is the one intake policy for values from outside: text
// fields (NUL, invalid UTF-8, one length cap per field, the same on every
// path), dates (one window for things that happened, one for things
// planned) and numbers (one range per kind of value). Every intake path
// (REST, Segment, CSV import, Slack commands and forms) checks through it,
// and reading stored data for scoring applies the same numeric range, so a
// value one path refuses cannot reach scoring through another.
//
// Checks return a problem ("is longer than 200 characters") to be prefixed
// with the field's name by the caller, or "" when the value is fine.
package valid

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Field is a text field and its cap in characters.
type Field struct {
	Name string
	Max  int
}

// The text fields of every intake path and their caps.
var (
	ExternalID   = Field{"external_id", 200} // account ids, Segment groupId, userId
	AccountName  = Field{"name", 500}
	AccountText  = Field{"text", 500} // domain, segment, outcome, plan
	Email        = Field{"email", 320}
	SlackID      = Field{"slack_id", 64}
	Metric       = Field{"metric", 200}
	Source       = Field{"source", 100}
	Key          = Field{"key", 500} // idempotency keys, Segment messageId
	EventName    = Field{"event", 200}
	AttributeKey = Field{"attribute", 200}
	AttributeStr = Field{"attribute value", 2000}
	Reason       = Field{"reason", 200}
	Note         = Field{"note", 3000} // a pulse note, from any path
)

// Text checks v for f: storable (no NUL, valid UTF-8) and at most f.Max
// characters. Required-ness is the caller's.
func Text(f Field, v string) string {
	switch {
	case strings.IndexByte(v, 0) >= 0:
		return "contains a NUL character"
	case !utf8.ValidString(v):
		return "is not valid UTF-8"
	case utf8.RuneCountInString(v) > f.Max:
		return fmt.Sprintf("is longer than %d characters", f.Max)
	}
	return ""
}

// JSON checks every key and string inside a decoded JSON value (attributes,
// traits): keys as AttributeKey, strings as AttributeStr, at most maxDepth
// levels deep.
func JSON(v any) string {
	return jsonValue(v, 0)
}

const maxDepth = 16

func jsonValue(v any, depth int) string {
	if depth > maxDepth {
		return fmt.Sprintf("is nested deeper than %d levels", maxDepth)
	}
	switch x := v.(type) {
	case string:
		if p := Text(AttributeStr, x); p != "" {
			return "has a value that " + p
		}
	case float64:
		if p := Number(Attribute, x); p != "" {
			return "has a value that " + p
		}
	case []any:
		for _, e := range x {
			if p := jsonValue(e, depth+1); p != "" {
				return p
			}
		}
	case map[string]any:
		for k, e := range x {
			if p := Text(AttributeKey, k); p != "" {
				return fmt.Sprintf("has a key that %s", p)
			}
			if p := jsonValue(e, depth+1); p != "" {
				return fmt.Sprintf("%s (key %.40q)", p, k)
			}
		}
	}
	return ""
}

// Earliest is the earliest date any intake path accepts.
var Earliest = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)

// Clock skew a "happened" time may show: a sender's clock a little ahead.
const skew = 48 * time.Hour

// PlannedHorizon is how far ahead a planned date (a renewal) may lie.
const PlannedHorizon = 10 * 366 * 24 * time.Hour

// Happened checks the time of something that already happened (an
// observation, an event, a pulse's week, a churn, a start): from 1900 up to
// now, give or take clock skew.
func Happened(t, now time.Time) string {
	if t.Before(Earliest) || t.After(now.Add(skew)) {
		return fmt.Sprintf("%s is out of range (1900 to now)", t.UTC().Format(time.DateOnly))
	}
	return ""
}

// Planned checks a date planned ahead (a renewal): from 1900 up to ten
// years from now.
func Planned(t, now time.Time) string {
	if t.Before(Earliest) || t.After(now.Add(PlannedHorizon)) {
		return fmt.Sprintf("%s is out of range (1900 to ten years from now)", t.UTC().Format(time.DateOnly))
	}
	return ""
}

// Kind is a kind of number and its accepted range.
type Kind struct {
	Name     string
	Min, Max float64
	Whole    bool
}

// The kinds of number intake accepts. A signal's range keeps any sum or
// mean over years of observations finite (1e15 × a billion rows is far
// from float64's 1.8e308), so scoring cannot overflow on stored data.
var (
	Signal    = Kind{Name: "signal value", Min: -MaxSignal, Max: MaxSignal}
	MRR       = Kind{Name: "mrr", Min: 0, Max: 999_999_999_999.99} // numeric(14, 2)
	Seats     = Kind{Name: "seats", Min: 0, Max: math.MaxInt32, Whole: true}
	Attribute = Kind{Name: "attribute", Min: -MaxSignal, Max: MaxSignal}
)

// MaxSignal bounds the magnitude of a signal value.
const MaxSignal = 1e15

// plain writes a bound without an exponent: 999999999999.99, not 9.99e+11.
func plain(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// Number checks v against k.
func Number(k Kind, v float64) string {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return "must be a finite number"
	case v < k.Min || v > k.Max:
		return fmt.Sprintf("must be between %s and %s", plain(k.Min), plain(k.Max))
	case k.Whole && v != math.Trunc(v):
		return "must be a whole number"
	}
	return ""
}
