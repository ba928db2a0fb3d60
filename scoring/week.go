package scoring

import (
	"fmt"
	"time"
)

func isoWeek(year, week int) string { return fmt.Sprintf("%04d-W%02d", year, week) }

// ParseISOWeek reads "2026-W48" and returns the Monday (UTC) the week
// starts on; ok is false for anything else, a week 53 the year lacks
// included.
func ParseISOWeek(s string) (time.Time, bool) {
	var y, w int
	if len(s) != 8 || s[4:6] != "-W" {
		return time.Time{}, false
	}
	if _, err := fmt.Sscanf(s, "%04d-W%02d", &y, &w); err != nil || w < 1 || w > 53 {
		return time.Time{}, false
	}
	// January 4th is always in week 1.
	jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, time.UTC)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+7*(w-1))
	if ISOWeek(monday) != s {
		return time.Time{}, false
	}
	return monday, true
}
