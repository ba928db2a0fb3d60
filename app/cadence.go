package app

import (
	"time"

	"github.com/go-co-op/gocron/v2"

	"github.com/healthbot/healthbot/scoring"
)

// Cadence says when a job is due and names each occurrence, so that the
// job_run table can hold one claim per occurrence.
type Cadence interface {
	// Prev returns the latest occurrence at or before t.
	Prev(t time.Time) time.Time
	// Slot names the occurrence that starts at occ, e.g. "2026-W48".
	Slot(occ time.Time) string
	// definition is the gocron schedule that fires at each occurrence.
	definition() gocron.JobDefinition
}

// orUTC is loc, or UTC when no zone was given: a cadence's zero value is UTC.
func orUTC(loc *time.Location) *time.Location {
	if loc == nil {
		return time.UTC
	}
	return loc
}

// Weekly fires once a week at a local weekday and time.
type Weekly struct {
	Weekday      time.Weekday
	Hour, Minute int
	Loc          *time.Location
}

func (w Weekly) loc() *time.Location { return orUTC(w.Loc) }

// Prev returns the latest weekly occurrence at or before t.
func (w Weekly) Prev(t time.Time) time.Time {
	t = t.In(w.loc())
	back := (int(t.Weekday()) - int(w.Weekday) + 7) % 7
	y, m, d := t.AddDate(0, 0, -back).Date()
	occ := time.Date(y, m, d, w.Hour, w.Minute, 0, 0, w.loc())
	if occ.After(t) {
		occ = occ.AddDate(0, 0, -7)
	}
	return occ
}

// Slot is the ISO week of the occurrence, in the cadence's zone.
func (w Weekly) Slot(occ time.Time) string {
	return scoring.ISOWeek(occ.In(w.loc()))
}

func (w Weekly) definition() gocron.JobDefinition {
	return gocron.WeeklyJob(1, gocron.NewWeekdays(w.Weekday),
		gocron.NewAtTimes(gocron.NewAtTime(uint(w.Hour), uint(w.Minute), 0)))
}

// Daily fires once a day at a local time.
type Daily struct {
	Hour, Minute int
	Loc          *time.Location
}

func (d Daily) loc() *time.Location { return orUTC(d.Loc) }

// Prev returns the latest daily occurrence at or before t.
func (d Daily) Prev(t time.Time) time.Time {
	t = t.In(d.loc())
	y, m, day := t.Date()
	occ := time.Date(y, m, day, d.Hour, d.Minute, 0, 0, d.loc())
	if occ.After(t) {
		occ = occ.AddDate(0, 0, -1)
	}
	return occ
}

// Slot is the local date of the occurrence.
func (d Daily) Slot(occ time.Time) string { return occ.In(d.loc()).Format(time.DateOnly) }

func (d Daily) definition() gocron.JobDefinition {
	return gocron.DailyJob(1, gocron.NewAtTimes(gocron.NewAtTime(uint(d.Hour), uint(d.Minute), 0)))
}

// Every fires at a fixed interval; occurrences are aligned to multiples of
// the interval since the Unix epoch, so replicas agree on slots.
type Every struct {
	Interval time.Duration
}

// Prev returns the start of the interval bucket holding t.
func (e Every) Prev(t time.Time) time.Time { return t.UTC().Truncate(e.Interval) }

// Slot is the bucket's start time.
func (e Every) Slot(occ time.Time) string { return occ.UTC().Format(time.RFC3339) }

func (e Every) definition() gocron.JobDefinition { return gocron.DurationJob(e.Interval) }
