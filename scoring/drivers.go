package scoring

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Words is the driver as one sentence for people:
// "Active users: 12th percentile of Enterprise peers — 10% of seats active".
func (c Contribution) Words() string { return c.Label + ": " + c.Detail }

// Negative and Positive split drivers that moved the score down or up,
// largest effect first, at most n of each (n ≤ 0: all).
func Negative(drivers []Contribution, n int) []Contribution {
	return pick(drivers, n, func(c Contribution) bool { return c.Contribution < 0 }, false)
}

// Positive returns the drivers that lifted the score, largest first.
func Positive(drivers []Contribution, n int) []Contribution {
	return pick(drivers, n, func(c Contribution) bool { return c.Contribution > 0 }, true)
}

func pick(drivers []Contribution, n int, keep func(Contribution) bool, reverse bool) []Contribution {
	var out []Contribution
	for _, c := range drivers {
		if keep(c) {
			out = append(out, c)
		}
	}
	sortDrivers(out)
	if reverse {
		slices.Reverse(out)
	}
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out
}

// sortDrivers orders most negative contribution first, then by metric key.
func sortDrivers(ds []Contribution) {
	slices.SortFunc(ds, func(a, b Contribution) int {
		return cmp.Or(cmp.Compare(a.Contribution, b.Contribution), cmp.Compare(a.Metric, b.Metric))
	})
}

// DirectionUnknownNote ends the Detail of a metric whose direction is not
// known yet.
const DirectionUnknownNote = " (direction not known yet: not scored)"

// detail says in words where the account stands on one metric. buf is
// scratch space reused across calls (a scoring run makes ~150,000 of these).
func detail(buf []byte, m Metric, c Contribution, a Account) ([]byte, string) {
	b := buf[:0]
	if m.Normalisation == NormPeerPercentile {
		b = AppendOrdinal(b, int(math.Round(math.Min(99, math.Max(1, c.Score)))))
		b = append(b, " percentile of "...)
		if c.PeerGroup == AllPeers {
			b = append(b, AllPeers...)
		} else {
			b = append(append(b, c.PeerGroup...), " peers"...)
		}
		b = append(b, " — "...)
	}
	b = appendPhrase(b, m, c.Value, a)
	if m.StaleAfterDays > 0 && c.AgeDays >= 1 {
		b = append(b, " ("...)
		b = appendValue(b, UnitDays, c.AgeDays)
		b = append(b, " ago"...)
		switch {
		case c.Stale:
			b = append(b, ", too old to count"...)
		case c.StalenessFactor > 0:
			b = append(b, ", counts at "...)
			b = appendTrim(b, 100*c.StalenessFactor, 0)
			b = append(b, '%')
		}
		b = append(b, ')')
	}
	if c.DirectionUnknown {
		b = append(b, DirectionUnknownNote...)
	}
	return b, string(b)
}

// appendPhrase fills the metric's Text template ({value}, {seats}), or
// formats the bare value.
func appendPhrase(b []byte, m Metric, v float64, a Account) []byte {
	if m.Text == "" {
		return appendValue(b, m.Unit, v)
	}
	text := m.Text
	for text != "" {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return append(b, text...)
		}
		b, text = append(b, text[:i]...), text[i:]
		switch {
		case strings.HasPrefix(text, "{value}"):
			start := len(b)
			b, text = appendValue(b, m.Unit, v), text[len("{value}"):]
			text = skipRepeatedUnit(b[start:], text)
		case strings.HasPrefix(text, "{seats}"):
			if a.Seats > 0 && m.Unit == UnitRatio {
				b = append(b, " ("...)
				b = strconv.AppendInt(b, int64(math.Round(v*float64(a.Seats))), 10)
				b = append(b, " of "...)
				b = strconv.AppendInt(b, int64(a.Seats), 10)
				b = append(b, " seats)"...)
			}
			text = text[len("{seats}"):]
		default:
			b, text = append(b, '{'), text[1:]
		}
	}
	return b
}

// skipRepeatedUnit drops a unit word the template repeats after {value}:
// the formatted value already carries it, and people write "{value} days
// overdue" for a metric in days ("37 days overdue", not "37 days days").
func skipRepeatedUnit(value []byte, text string) string {
	sp := bytes.LastIndexByte(value, ' ')
	if sp < 0 {
		return text
	}
	word := string(value[sp+1:]) // "days", "day", "min", "h"
	rest, ok := strings.CutPrefix(text, " ")
	if !ok {
		return text
	}
	for _, w := range []string{word, strings.TrimSuffix(word, "s"), word + "s"} {
		if after, ok := strings.CutPrefix(rest, w); ok && w != "" && (after == "" || !isLetter(after[0])) {
			return after
		}
	}
	return text
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// FormatValue formats a value by its unit for people: ratio 0.1 → "10%",
// change -0.2 → "−20%", days 12 → "12 days", minutes 150 → "2.5 h",
// currency 1200 → "$1,200", rating 1 → "Concerning".
func FormatValue(unit string, v float64) string { return string(appendValue(nil, unit, v)) }

func appendValue(b []byte, unit string, v float64) []byte {
	switch unit {
	case UnitRatio:
		return append(appendTrim(b, 100*v, 0), '%')
	case UnitChange:
		p := math.Round(100 * v)
		switch {
		case p > 0:
			return append(appendTrim(append(b, '+'), p, 0), '%')
		case p < 0:
			return append(appendTrim(b, p, 0), '%')
		}
		return append(b, "unchanged"...)
	case UnitDays:
		if math.Round(v*10) == 10 {
			return append(b, "1 day"...)
		}
		return append(appendTrim(b, v, decimals(v)), " days"...)
	case UnitCount:
		return appendThousands(b, math.Round(v), "")
	case UnitCurrency:
		return appendThousands(b, math.Round(v), "$")
	case UnitMinutes:
		switch {
		case v < 90:
			return append(appendTrim(b, v, 0), " min"...)
		case v < 48*60:
			return append(appendTrim(b, v/60, 1), " h"...)
		}
		return appendValue(b, UnitDays, v/(24*60))
	case UnitRating:
		return appendRating(b, v)
	}
	return appendTrim(b, v, decimals(v))
}

func appendRating(b []byte, v float64) []byte {
	switch math.Round(v) {
	case PulseValueHealthy:
		return append(b, "Healthy"...)
	case PulseValueConcerning:
		return append(b, "Concerning"...)
	case PulseValuePoor:
		return append(b, "Poor"...)
	}
	return appendTrim(b, v, 1)
}

// decimals shows one decimal for small non-integers (CSAT 4.3, 2.5 days).
func decimals(v float64) int {
	if math.Abs(v) < 10 && math.Round(v) != v {
		return 1
	}
	return 0
}

const minus = "−" // U+2212, as typeset

// appendTrim rounds half away from zero (12.5 → 13, as people expect),
// drops trailing zeros and writes a typographic minus.
func appendTrim(b []byte, v float64, prec int) []byte {
	p := math.Pow10(prec)
	r := math.Round(v*p) / p
	if r < 0 {
		b, r = append(b, minus...), -r
	}
	start := len(b)
	b = strconv.AppendFloat(b, r, 'f', prec, 64)
	if prec > 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[start:]) == "0" && start > 0 && string(b[start-len(minus):start]) == minus {
		b = append(b[:start-len(minus)], '0') // no "−0"
	}
	return b
}

func appendThousands(b []byte, v float64, prefix string) []byte {
	if v < 0 {
		b, v = append(b, minus...), -v
	}
	b = append(b, prefix...)
	digits := strconv.FormatFloat(v, 'f', 0, 64)
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, digits[i])
	}
	return b
}

// Ordinal is 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st.
func Ordinal(n int) string { return string(AppendOrdinal(nil, n)) }

// AppendOrdinal appends Ordinal(n) to b, for writers on a hot path.
func AppendOrdinal(b []byte, n int) []byte {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return append(strconv.AppendInt(b, int64(n), 10), suffix...)
}
