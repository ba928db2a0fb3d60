package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// progressEvery throttles redraws so a fast import spends no time drawing.
const progressEvery = 200 * time.Millisecond

const barWidth = 30

// progress draws, on a terminal only, one self-overwriting line: a bar
// when the input size is known, rows read and rows/s.
type progress struct {
	w                     io.Writer
	on                    bool
	size                  int64
	bytes                 func() int64
	now                   func() time.Time
	start, last           time.Time
	rows                  int64
	drawn, mergingStarted bool
}

func newProgress(w io.Writer, on bool, size int64, bytes func() int64, now func() time.Time) *progress {
	p := &progress{w: w, on: on, size: size, bytes: bytes, now: now}
	if on {
		p.start = now()
		p.last = p.start
	}
	return p
}

// row counts one row and redraws when progressEvery has passed; it looks at
// the clock only every 64 rows.
func (p *progress) row() {
	p.rows++
	if !p.on || p.rows%64 != 0 {
		return
	}
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		p.draw(t, "")
	}
}

// set shows n rows read so far, for a sync that reports once per page.
func (p *progress) set(n int64) {
	p.rows = n
	if !p.on {
		return
	}
	if t := p.now(); t.Sub(p.last) >= progressEvery {
		p.last = t
		p.draw(t, "")
	}
}

// merging shows the final count while the database validates and merges.
func (p *progress) merging() {
	if !p.on || p.mergingStarted {
		return
	}
	p.mergingStarted = true
	p.draw(p.now(), "  validating and merging…")
}

// clear ends the progress line so what follows starts on its own line.
func (p *progress) clear() {
	if p.drawn {
		_, _ = io.WriteString(p.w, "\n")
	}
}

func (p *progress) draw(t time.Time, suffix string) {
	var b strings.Builder
	b.WriteString("\r")
	if p.size > 0 {
		frac := min(float64(p.bytes())/float64(p.size), 1)
		n := int(frac * barWidth)
		fmt.Fprintf(&b, "[%s%s] %3.0f%%  ", strings.Repeat("#", n), strings.Repeat(".", barWidth-n), frac*100)
	}
	var rate int64
	if el := t.Sub(p.start).Seconds(); el > 0 {
		rate = int64(float64(p.rows) / el)
	}
	fmt.Fprintf(&b, "%s rows  %s rows/s%s\033[K", commas(p.rows), commas(rate), suffix)
	_, _ = io.WriteString(p.w, b.String())
	p.drawn = true
}

// commas writes n with thousands separators: 1,234,567.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// dayProgress is a backfill's progress: on a terminal one self-overwriting
// line with a bar over the days, days/s and the time left; elsewhere (a log
// file, CI) nothing, and the caller prints plain lines.
type dayProgress struct {
	w     io.Writer
	on    bool
	total int
	now   func() time.Time
	start time.Time
	done  int
	drawn bool
}

func newDayProgress(w io.Writer, on bool, total int, now func() time.Time) *dayProgress {
	p := &dayProgress{w: w, on: on, total: total, now: now}
	if on {
		p.start = now()
	}
	return p
}

// day counts one scored day and redraws.
func (p *dayProgress) day() {
	p.done++
	p.draw(p.rate())
}

// reading shows the empty bar while the one pass over the signals runs,
// before the first day is scored.
func (p *dayProgress) reading() { p.draw("reading the signals once for every day…") }

func (p *dayProgress) draw(status string) {
	if !p.on {
		return
	}
	frac := float64(p.done) / float64(max(p.total, 1))
	n := int(frac * barWidth)
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d days  %s\033[K", strings.Repeat("#", n), strings.Repeat(".", barWidth-n),
		p.done, p.total, status)
	p.drawn = true
}

// rate is "3.2 days/s, 1m44s left" once a day has been timed.
func (p *dayProgress) rate() string {
	el := p.now().Sub(p.start)
	if el <= 0 || p.done == 0 {
		return ""
	}
	perSec := float64(p.done) / el.Seconds()
	left := time.Duration(float64(p.total-p.done) / perSec * float64(time.Second)).Round(time.Second)
	if p.done >= p.total {
		return fmt.Sprintf("%.1f days/s", perSec)
	}
	return fmt.Sprintf("%.1f days/s, %s left", perSec, left)
}

// clear ends the progress line so what follows starts on its own line.
func (p *dayProgress) clear() {
	if p.drawn {
		_, _ = io.WriteString(p.w, "\n")
	}
}
