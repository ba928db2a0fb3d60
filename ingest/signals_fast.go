package ingest

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// fastSignals decodes a /v1/signals body of the shape every well-behaved
// client sends, in one pass and without reflection: {"signals": [...]}
// whose items are objects holding only the known fields, each at most
// once, strings without escapes, and a number or null as the value. On
// anything else it reports ok=false and ParseSignals takes the general
// path (encoding/json item by item), which names every problem; so this
// path never makes an error message of its own, and whatever it accepts
// decodes exactly as the general path decodes it (FuzzSignalsFastPath).
//
// Decoding was half the intake's CPU per signal: the general path scans
// each byte about six times (the envelope, the array, then a fresh
// json.Decoder per item) and allocates for every item.
func fastSignals(body []byte, maxItems int) ([]signalJSON, bool) {
	d := fastDec{b: body}
	if !d.byte('{') || !d.literal(`"signals"`) || !d.byte(':') || !d.byte('[') {
		return nil, false
	}
	// A 1,000-item batch of typical signals is about 100 KB: guess the
	// count from the size so the slice grows rarely.
	out := make([]signalJSON, 0, min(maxItems, len(body)/80+1))
	for {
		if len(out) == maxItems {
			return nil, false // the general path answers "too many"
		}
		var j signalJSON
		if !d.item(&j) {
			return nil, false
		}
		out = append(out, j)
		if d.byte(',') {
			continue
		}
		if !d.byte(']') || !d.byte('}') {
			return nil, false
		}
		d.space()
		return out, d.i == len(d.b)
	}
}

// fastDec is a cursor over a body for fastSignals.
type fastDec struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (d *fastDec) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte consumes c after whitespace.
func (d *fastDec) byte(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// literal consumes s after whitespace.
func (d *fastDec) literal(s string) bool {
	d.space()
	if bytes.HasPrefix(d.b[d.i:], []byte(s)) {
		d.i += len(s)
		return true
	}
	return false
}

// str consumes a string without escapes or control characters, in valid
// UTF-8 (what encoding/json would return unchanged), and returns its
// contents.
func (d *fastDec) str() (string, bool) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[start:j]
			if !utf8.Valid(s) {
				return "", false
			}
			d.i = j + 1
			return string(s), true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// number consumes a number by JSON's grammar (strconv.ParseFloat alone
// accepts more: "Inf", "0x1p3", "1_0") and parses it as encoding/json does.
func (d *fastDec) number() (float64, bool) {
	d.space()
	b, i := d.b, d.i
	digits := func() bool {
		start := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		digits()
	default:
		return 0, false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if !digits() {
			return 0, false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !digits() {
			return 0, false
		}
	}
	v, err := strconv.ParseFloat(string(b[d.i:i]), 64)
	if err != nil {
		return 0, false // out of range: the general path names it
	}
	d.i = i
	return v, true
}

// item consumes one signal object into j.
func (d *fastDec) item(j *signalJSON) bool {
	if !d.byte('{') {
		return false
	}
	if d.byte('}') {
		return true
	}
	var seen [6]bool
	for {
		name, ok := d.str()
		if !ok || !d.byte(':') {
			return false
		}
		var f int
		switch name {
		case "account":
			f = 0
		case "metric":
			f = 1
		case "observed_at":
			f = 2
		case "source":
			f = 3
		case "key":
			f = 4
		case "value":
			f = 5
		default:
			return false
		}
		if seen[f] {
			return false
		}
		seen[f] = true
		if f == 5 {
			if d.literal("null") {
				j.Value = nil
			} else {
				v, ok := d.number()
				if !ok {
					return false
				}
				j.Value = &v
			}
		} else {
			s, ok := d.str()
			if !ok {
				return false
			}
			switch f {
			case 0:
				j.Account = s
			case 1:
				j.Metric = s
			case 2:
				j.ObservedAt = s
			case 3:
				j.Source = s
			case 4:
				j.Key = s
			}
		}
		if d.byte(',') {
			continue
		}
		return d.byte('}')
	}
}
