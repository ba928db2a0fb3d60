package store

import (
	"math"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/healthbot/healthbot/scoring"
)

// appendContributions encodes drivers as the JSON of []scoring.Contribution
// (same keys as its json tags), by hand: a daily run for 10,000 accounts
// writes ~200,000 of them, and encoding/json's reflection and 17-digit
// floats cost more than the run's scoring. Floats are rounded to what the
// card, alerts and analyses can use — scores and contributions to 0.001,
// weights and other values to 6 significant digits — which also shortens
// the JSON the database validates and stores.
func appendContributions(b []byte, cs []scoring.Contribution) []byte {
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"metric":`...)
		b = appendJSONString(b, c.Metric)
		b = append(b, `,"family":`...)
		b = appendJSONString(b, string(c.Family))
		b = append(b, `,"label":`...)
		b = appendJSONString(b, c.Label)
		b = append(b, `,"value":`...)
		b = appendSig(b, c.Value)
		b = append(b, `,"score":`...)
		b = appendFixed(b, c.Score)
		b = append(b, `,"weight":`...)
		b = appendSig(b, c.Weight)
		b = append(b, `,"contribution":`...)
		b = appendFixed(b, c.Contribution)
		b = append(b, `,"detail":`...)
		b = appendJSONString(b, c.Detail)
		if c.PeerGroup != "" {
			b = append(b, `,"peer_group":`...)
			b = appendJSONString(b, c.PeerGroup)
		}
		if c.PeerCount != 0 {
			b = append(b, `,"peer_count":`...)
			b = strconv.AppendInt(b, int64(c.PeerCount), 10)
		}
		if c.AgeDays != 0 {
			b = append(b, `,"age_days":`...)
			b = appendSig(b, c.AgeDays)
		}
		if c.StalenessFactor != 0 {
			b = append(b, `,"staleness":`...)
			b = appendSig(b, c.StalenessFactor)
		}
		if c.Stale {
			b = append(b, `,"stale":true`...)
		}
		if c.DirectionUnknown {
			b = append(b, `,"direction_unknown":true`...)
		}
		if c.Candidate {
			b = append(b, `,"candidate":true`...)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}

// appendSubscores encodes {"usage": 61.2, ...} in family order.
func appendSubscores(b []byte, subs map[scoring.Family]float64) []byte {
	b = append(b, '{')
	first := true
	keys := make([]scoring.Family, 0, len(subs))
	for f := range subs {
		keys = append(keys, f)
	}
	slices.Sort(keys)
	for _, f := range keys {
		if !first {
			b = append(b, ',')
		}
		first = false
		b = appendJSONString(b, string(f))
		b = append(b, ':')
		b = appendFixed(b, subs[f])
	}
	return append(b, '}')
}

// appendFixed writes v rounded to 0.001 (JSON has no NaN or infinity: 0).
func appendFixed(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, math.Round(v*1000)/1000, 'f', -1, 64)
}

// appendSig writes v with 6 significant digits.
func appendSig(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, '0')
	}
	return strconv.AppendFloat(b, v, 'g', 6, 64)
}

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
