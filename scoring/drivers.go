package scoring

import (
	"cmp"
	"fmt"
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
	slices.SortStableFunc(ds, func(a, b Contribution) int {
		return cmp.Or(cmp.Compare(a.Contribution, b.Contribution), cmp.Compare(a.Metric, b.Metric))
	})
}

// detail says in words where the account stands on one metric.
func detail(m Metric, c Contribution, a Account) string {
	var b strings.Builder
	if m.Normalisation == NormPeerPercentile {
		b.WriteString(Ordinal(int(math.Round(math.Min(99, math.Max(1, c.Score))))) + " percentile of ")
		if c.PeerGroup == AllPeers {
			b.WriteString(AllPeers)
		} else {
			b.WriteString(c.PeerGroup + " peers")
		}
		b.WriteString(" — ")
	}
	b.WriteString(phrase(m, c.Value, a))
	if m.StaleAfterDays > 0 && c.AgeDays >= 1 {
		fmt.Fprintf(&b, " (%s ago", FormatValue(UnitDays, c.AgeDays))
		switch {
		case c.Stale:
			b.WriteString(", too old to count")
		case c.StalenessFactor > 0:
			fmt.Fprintf(&b, ", counts at %.0f%%", 100*c.StalenessFactor)
		}
		b.WriteString(")")
	}
	return b.String()
}

// phrase fills the metric's Text template, or formats the bare value.
func phrase(m Metric, v float64, a Account) string {
	if m.Text == "" {
		return FormatValue(m.Unit, v)
	}
	seats := ""
	if a.Seats > 0 && m.Unit == UnitRatio {
		seats = fmt.Sprintf(" (%d of %d seats)", int(math.Round(v*float64(a.Seats))), a.Seats)
	}
	return strings.NewReplacer("{value}", FormatValue(m.Unit, v), "{seats}", seats).Replace(m.Text)
}

// FormatValue formats a value by its unit for people: ratio 0.1 → "10%",
// change -0.2 → "−20%", days 12 → "12 days", minutes 150 → "2.5 h",
// currency 1200 → "$1,200", rating 1 → "Concerning".
func FormatValue(unit string, v float64) string {
	switch unit {
	case UnitRatio:
		return trimFloat(100*v, 0) + "%"
	case UnitChange:
		p := math.Round(100 * v)
		switch {
		case p > 0:
			return "+" + trimFloat(p, 0) + "%"
		case p < 0:
			return "−" + trimFloat(-p, 0) + "%"
		}
		return "unchanged"
	case UnitDays:
		if math.Round(v*10) == 10 {
			return "1 day"
		}
		return trimFloat(v, decimals(v)) + " days"
	case UnitCount:
		return thousands(math.Round(v))
	case UnitCurrency:
		if v < 0 {
			return "−$" + thousands(math.Round(-v))
		}
		return "$" + thousands(math.Round(v))
	case UnitMinutes:
		switch {
		case v < 90:
			return trimFloat(v, 0) + " min"
		case v < 48*60:
			return trimFloat(v/60, 1) + " h"
		}
		return FormatValue(UnitDays, v/(24*60))
	case UnitRating:
		return ratingName(v)
	}
	return trimFloat(v, decimals(v))
}

func ratingName(v float64) string {
	switch math.Round(v) {
	case PulseValueHealthy:
		return "Healthy"
	case PulseValueConcerning:
		return "Concerning"
	case PulseValuePoor:
		return "Poor"
	}
	return trimFloat(v, 1)
}

// decimals shows one decimal for small non-integers (CSAT 4.3, 2.5 days).
func decimals(v float64) int {
	if math.Abs(v) < 10 && math.Round(v) != v {
		return 1
	}
	return 0
}

// trimFloat rounds half away from zero (12.5 → 13, as people expect) and
// drops trailing zeros.
func trimFloat(v float64, prec int) string {
	p := math.Pow(10, float64(prec))
	s := strconv.FormatFloat(math.Round(v*p)/p, 'f', prec, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return strings.Replace(s, "-", "−", 1)
}

func thousands(v float64) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', 0, 64)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if v < 0 {
		s = "−" + s
	}
	return s
}

// Ordinal is 1st, 2nd, 3rd, 4th … 11th, 12th, 13th … 21st.
func Ordinal(n int) string {
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
	return strconv.Itoa(n) + suffix
}
