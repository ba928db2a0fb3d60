package scoring

import "fmt"

func isoWeek(year, week int) string { return fmt.Sprintf("%04d-W%02d", year, week) }
