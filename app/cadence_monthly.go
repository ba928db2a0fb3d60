package app

import (
	"fmt"
	"time"

	"github.com/go-co-op/gocron/v2"
)

// Monthly fires once a month, on the 1st at a local time.
type Monthly struct {
	Hour, Minute int
	Loc          *time.Location
}

func (m Monthly) loc() *time.Location { return orUTC(m.Loc) }

// Prev returns the latest monthly occurrence at or before t.
func (m Monthly) Prev(t time.Time) time.Time {
	t = t.In(m.loc())
	occ := time.Date(t.Year(), t.Month(), 1, m.Hour, m.Minute, 0, 0, m.loc())
	if occ.After(t) {
		occ = occ.AddDate(0, -1, 0)
	}
	return occ
}

// Slot is the month of the occurrence, e.g. "2026-12".
func (m Monthly) Slot(occ time.Time) string {
	y, mo, _ := occ.In(m.loc()).Date()
	return fmt.Sprintf("%04d-%02d", y, int(mo))
}

func (m Monthly) definition() gocron.JobDefinition {
	return gocron.MonthlyJob(1, gocron.NewDaysOfTheMonth(1), gocron.NewAtTimes(gocron.NewAtTime(uint(m.Hour), uint(m.Minute), 0)))
}
