package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/healthbot/healthbot/scoring"
)

// appendContributions encodes drivers compactly: a JSON array with one
// positional array per contribution,
//
//	[metric, family, label, value, score, weight, contribution, detail,
//	 flags, peer_group, peer_count, age_days, staleness]
//
// where flags is a bit set (contributionStale, …) and the fields after it
// are left off from the first of them that is zero to the end. When the
// detail begins with the words a peer percentile starts with ("24th
// percentile of Enterprise peers — "), which the score and peer group
// already hold, only the rest is stored and contributionPeerWords says so;
// appendPeerWords rebuilds them, and the encoder leaves them out only when
// the rebuilt words are exactly the stored ones.
//
// A daily run for 10,000 accounts writes ~200,000 contributions, a year's
// backfill 73 million; the object form (appendContributionObjects)
// repeated every key in every contribution, and validating, compressing
// and logging those bytes was most of Postgres's work in writing a score
// row. decodeContributions reads both forms, so rows written before stay
// as they are.
//
// Floats are rounded as before — scores and contributions to 0.001,
// weights and other values to 6 significant digits — so both forms decode
// to the same values.
func appendContributions(b []byte, cs []scoring.Contribution) []byte {
	var words []byte
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		flags := contributionFlags(c)
		detail := c.Detail
		if c.PeerGroup != "" && utf8.ValidString(c.PeerGroup) {
			words = appendPeerWords(words[:0], fixed(c.Score), c.PeerGroup)
			if rest, ok := strings.CutPrefix(detail, string(words)); ok {
				detail, flags = rest, flags|contributionPeerWords
			}
		}
		b = append(b, '[')
		b = appendJSONString(b, c.Metric)
		b = append(b, ',')
		b = appendJSONString(b, string(c.Family))
		b = append(b, ',')
		b = appendJSONString(b, c.Label)
		b = append(b, ',')
		b = appendSig(b, c.Value)
		b = append(b, ',')
		b = appendFixed(b, c.Score)
		b = append(b, ',')
		b = appendSig(b, c.Weight)
		b = append(b, ',')
		b = appendFixed(b, c.Contribution)
		b = append(b, ',')
		b = appendJSONString(b, detail)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(flags), 10)
		// The optional tail, up to its last non-zero field.
		tail := 0
		switch {
		case c.StalenessFactor != 0:
			tail = 4
		case c.AgeDays != 0:
			tail = 3
		case c.PeerCount != 0:
			tail = 2
		case c.PeerGroup != "":
			tail = 1
		}
		if tail >= 1 {
			b = append(b, ',')
			b = appendJSONString(b, c.PeerGroup)
		}
		if tail >= 2 {
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(c.PeerCount), 10)
		}
		if tail >= 3 {
			b = append(b, ',')
			b = appendSig(b, c.AgeDays)
		}
		if tail >= 4 {
			b = append(b, ',')
			b = appendSig(b, c.StalenessFactor)
		}
		b = append(b, ']')
	}
	return append(b, ']')
}

// The bits of a compact contribution's flags field.
const (
	contributionStale = 1 << iota
	contributionDirectionUnknown
	contributionCandidate
	contributionPeerWords // the detail lacks its peer words: appendPeerWords
)

func contributionFlags(c scoring.Contribution) int {
	f := 0
	if c.Stale {
		f |= contributionStale
	}
	if c.DirectionUnknown {
		f |= contributionDirectionUnknown
	}
	if c.Candidate {
		f |= contributionCandidate
	}
	return f
}

// appendPeerWords writes the words a peer-percentile detail begins with,
// from the stored (rounded) score and the peer group: "24th percentile of
// Enterprise peers — " or "…of all accounts — ". This is the storage
// format's own copy of what scoring writes today, frozen: rows decode the
// same whatever scoring's wording becomes (a detail worded otherwise is
// simply stored whole); only the English ordinal is scoring's.
func appendPeerWords(b []byte, score float64, group string) []byte {
	b = scoring.AppendOrdinal(b, int(math.Round(math.Min(99, math.Max(1, score)))))
	b = append(b, " percentile of "...)
	if group == "all accounts" {
		b = append(b, group...)
	} else {
		b = append(append(b, group...), " peers"...)
	}
	return append(b, " — "...)
}

// appendContributionObjects encodes drivers as the JSON of
// []scoring.Contribution (same keys as its json tags, zero optional fields
// left out), rounded as appendContributions rounds: the form every score
// row had before the compact one, kept to test that decodeContributions
// still reads it.
func appendContributionObjects(b []byte, cs []scoring.Contribution) []byte {
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

// decodeContributions reads a score row's contributions in either form:
// the compact one appendContributions writes (an array of arrays), or the
// objects of []scoring.Contribution that rows written before it, and
// fixtures inserting JSON by hand, hold.
func decodeContributions(b []byte) ([]scoring.Contribution, error) {
	if !compactForm(b) {
		var out []scoring.Contribution
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, err
		}
		return out, nil
	}
	var rows [][]any
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, err
	}
	out := make([]scoring.Contribution, len(rows))
	var words []byte
	for i, r := range rows {
		if len(r) < 9 || len(r) > 13 {
			return nil, fmt.Errorf("contribution %d: %d fields, want 9 to 13", i, len(r))
		}
		d := fieldDecoder{row: r}
		c := &out[i]
		c.Metric, c.Family, c.Label = d.str(0), scoring.Family(d.str(1)), d.str(2)
		c.Value, c.Score, c.Weight, c.Contribution = d.num(3), d.num(4), d.num(5), d.num(6)
		c.Detail = d.str(7)
		flags := int(d.num(8))
		c.PeerGroup, c.PeerCount, c.AgeDays, c.StalenessFactor = d.str(9), int(d.num(10)), d.num(11), d.num(12)
		c.Stale = flags&contributionStale != 0
		c.DirectionUnknown = flags&contributionDirectionUnknown != 0
		c.Candidate = flags&contributionCandidate != 0
		if flags&contributionPeerWords != 0 {
			words = appendPeerWords(words[:0], c.Score, c.PeerGroup)
			c.Detail = string(words) + c.Detail
		}
		if d.err != nil {
			return nil, fmt.Errorf("contribution %d: %w", i, d.err)
		}
	}
	return out, nil
}

// fieldDecoder reads the fields of one compact contribution, as
// encoding/json decoded them into any: a field past the end is its zero
// value, a field of the wrong type an error.
type fieldDecoder struct {
	row []any
	err error
}

func (d *fieldDecoder) str(i int) string {
	if i >= len(d.row) {
		return ""
	}
	s, ok := d.row[i].(string)
	if !ok && d.err == nil {
		d.err = fmt.Errorf("field %d: %T, want a string", i, d.row[i])
	}
	return s
}

// num is field i as encoding/json decodes a number into a float64 (the
// same strconv.ParseFloat), so both forms give identical values.
func (d *fieldDecoder) num(i int) float64 {
	if i >= len(d.row) {
		return 0
	}
	f, ok := d.row[i].(float64)
	if !ok && d.err == nil {
		d.err = fmt.Errorf("field %d: %T, want a number", i, d.row[i])
	}
	return f
}

// compactForm reports whether b's first element is an array (the compact
// form) rather than an object.
func compactForm(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	if len(b) == 0 || b[0] != '[' {
		return false
	}
	b = bytes.TrimLeft(b[1:], " \t\r\n")
	return len(b) > 0 && b[0] == '['
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
	return strconv.AppendFloat(b, fixed(v), 'f', -1, 64)
}

// fixed is v as appendFixed stores it, and so as it reads back: the
// shortest decimal of a float64 parses to that float64.
func fixed(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*1000) / 1000
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
