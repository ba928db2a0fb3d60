package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type progressBundle struct {
	out   *strings.Builder
	now   time.Time
	bytes int64
}

func setupProgress(t *testing.T, on bool, size int64) (*progress, *progressBundle) {
	t.Helper()
	b := &progressBundle{out: &strings.Builder{}, now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	p := newProgress(b.out, on, size, func() int64 { return b.bytes }, func() time.Time { return b.now })
	return p, b
}

func rows(p *progress, n int) {
	for range n {
		p.row()
	}
}

func TestProgressDrawsThrottledBarWithRowsPerSecond(t *testing.T) {
	t.Parallel()
	p, b := setupProgress(t, true, 1000)
	rows(p, 64)
	require.Empty(t, b.out.String(), "nothing before progressEvery has passed")

	b.now, b.bytes = b.now.Add(time.Second), 500
	rows(p, 64)
	require.Equal(t, "\r[###############...............]  50%  128 rows  128 rows/s\033[K", b.out.String())

	b.now = b.now.Add(progressEvery / 2)
	rows(p, 64)
	require.Equal(t, 1, strings.Count(b.out.String(), "\r"), "redraws are throttled")

	b.now, b.bytes = b.now.Add(progressEvery), 1000
	p.merging()
	p.merging()
	require.True(t, strings.HasSuffix(b.out.String(),
		"\r[##############################] 100%  192 rows  147 rows/s  validating and merging…\033[K"), b.out.String())
	p.clear()
	require.True(t, strings.HasSuffix(b.out.String(), "\n"))
	require.Equal(t, 2, strings.Count(b.out.String(), "\r"))
}

func TestProgressWithoutSizeShowsRowsOnly(t *testing.T) {
	t.Parallel()
	p, b := setupProgress(t, true, 0)
	b.now = b.now.Add(2 * time.Second)
	rows(p, 6400) // the clock stands still after the first draw, so it is the only one
	require.Equal(t, "\r64 rows  32 rows/s\033[K", b.out.String())
}

func TestProgressIsSilentOffTerminal(t *testing.T) {
	t.Parallel()
	p, b := setupProgress(t, false, 1000)
	b.now = b.now.Add(time.Hour)
	rows(p, 1000)
	p.merging()
	p.clear()
	require.Empty(t, b.out.String())
}

func TestCommas(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -45000: "-45,000"} {
		require.Equal(t, want, commas(n))
	}
}

func TestProgressSetShowsASyncsCount(t *testing.T) {
	t.Parallel()
	p, b := setupProgress(t, true, 0)
	p.set(100)
	require.Empty(t, b.out.String(), "throttled like rows")
	b.now = b.now.Add(2 * time.Second)
	p.set(1000)
	require.Equal(t, "\r1,000 rows  500 rows/s\033[K", b.out.String())
	p.clear()
	require.True(t, strings.HasSuffix(b.out.String(), "\n"))
}

// A backfill draws a bar over the days with days/s and the time left.
func TestDayProgressShowsDaysPerSecondAndTimeLeft(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	p := newDayProgress(&out, true, 10, func() time.Time { return now })
	p.reading()
	require.Equal(t, "\r[..............................] 0/10 days  reading the signals once for every day…\033[K", out.String())
	now = now.Add(2 * time.Second)
	p.day()
	p.day()
	require.True(t, strings.HasSuffix(out.String(), "\r[######........................] 2/10 days  1.0 days/s, 8s left\033[K"), out.String())
	for range 8 {
		p.day()
	}
	require.True(t, strings.HasSuffix(out.String(), "\r[##############################] 10/10 days  5.0 days/s\033[K"), out.String())
	p.clear()
	require.True(t, strings.HasSuffix(out.String(), "\n"))

	var off strings.Builder
	q := newDayProgress(&off, false, 10, func() time.Time { return now })
	q.day()
	q.clear()
	require.Empty(t, off.String(), "nothing off a terminal")
}
