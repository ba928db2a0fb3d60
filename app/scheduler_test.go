package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// countingClaims wraps the store's claims and reports every attempt, so a
// test can wait until all replicas have tried without sleeping.
type countingClaims struct {
	*store.Store
	attempts chan string
	finished chan string
}

func (c countingClaims) FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error {
	err := c.Store.FinishJobRun(ctx, name, slot, instance, now, runErr)
	if c.finished != nil {
		c.finished <- slot
	}
	return err
}

func (c countingClaims) TakeJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (store.JobClaim, error) {
	got, err := c.Store.TakeJobRun(ctx, name, slot, instance, now, lease)
	c.attempts <- instance
	return got, err
}

var _ app.JobClaimer = countingClaims{}

type schedBundle struct {
	clock    *clockwork.FakeClock
	store    *store.Store
	attempts chan string
	finished chan string
	mu       sync.Mutex
	runs     []string // instance@occurrence
	ran      chan struct{}
	logs     *lockedLog // the schedulers' logs (startInstance), at DEBUG
}

func (b *schedBundle) recorded() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.runs...)
}

var paris = mustZone("Europe/Paris")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func setupSched(t *testing.T, start time.Time) *schedBundle {
	t.Helper()
	pool := storetest.Schema(t)
	return &schedBundle{
		clock:    clockwork.NewFakeClockAt(start),
		store:    store.New(pool),
		attempts: make(chan string, 64),
		finished: make(chan string, 64),
		ran:      make(chan struct{}, 64),
		logs:     &lockedLog{},
	}
}

// startInstance starts one replica running a weekly "digest" job at Monday
// 09:00 Paris time.
func (b *schedBundle) startInstance(t *testing.T, instance string) {
	t.Helper()
	s, err := app.NewScheduler(app.SchedulerConfig{
		Claims: countingClaims{Store: b.store, attempts: b.attempts, finished: b.finished}, Clock: b.clock,
		Location: paris, Instance: instance, CatchUp: 12 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(b.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	require.NoError(t, err)
	require.NoError(t, s.Add(app.Job{
		Name:    "digest",
		Cadence: app.Weekly{Weekday: time.Monday, Hour: 9, Loc: paris},
		Run: func(ctx context.Context, occ time.Time) error {
			b.mu.Lock()
			b.runs = append(b.runs, instance+"@"+occ.In(paris).Format("Mon 15:04"))
			b.mu.Unlock()
			b.ran <- struct{}{}
			return nil
		},
	}))
	require.NoError(t, s.Start(context.Background()))
	t.Cleanup(func() { require.NoError(t, s.Shutdown()) })
}

func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func TestSchedulerDigestOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 23, 8, 59, 0, 0, paris)) // Monday 08:59
	b.startInstance(t, "a")
	b.startInstance(t, "b")

	// Both replicas arm a timer for 09:00; advance past it.
	require.NoError(t, b.clock.BlockUntilContext(context.Background(), 2))
	b.clock.Advance(time.Minute)
	waitFor(t, b.attempts, "first claim")
	waitFor(t, b.attempts, "second claim")
	waitFor(t, b.ran, "the digest run")
	require.Equal(t, "2026-W48", waitFor(t, b.finished, "the run's outcome recorded"))

	runs := b.recorded()
	require.Len(t, runs, 1, "two replicas, one digest")
	require.Contains(t, runs[0], "@Mon 09:00")
	jr, err := b.store.JobRun(context.Background(), "digest", "2026-W48")
	require.NoError(t, err)
	require.False(t, jr.FinishedAt.IsZero())
}

func TestSchedulerCatchesUpMissedRunWithinWindow(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 23, 9, 30, 0, 0, paris)) // crashed at 08:55, back at 09:30
	b.startInstance(t, "a")
	waitFor(t, b.ran, "catch-up run")
	require.Equal(t, []string{"a@Mon 09:00"}, b.recorded())

	// A second restart the same morning finds the slot taken.
	b.startInstance(t, "b")
	waitFor(t, b.attempts, "claim by a")
	waitFor(t, b.attempts, "claim by b")
	require.Len(t, b.recorded(), 1)
}

func TestSchedulerSkipsMissedRunPastWindow(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 24, 19, 0, 0, 0, paris)) // Tuesday evening
	b.startInstance(t, "a")

	// Start decides before it returns: the missed slot is skipped (at
	// WARN) instead of queued for catch-up, and only the weekly timer is
	// armed.
	require.Regexp(t, `level=WARN msg="scheduler: slot skipped: [^"]*" job=digest slot=2026-W48 late=34h0m0s window=12h0m0s`, b.logs.String(),
		"a run past its catch-up window must not be attempted")
	require.NoError(t, b.clock.BlockUntilContext(context.Background(), 1))

	// The next Monday still fires on time.
	b.clock.Advance(time.Date(2026, 11, 30, 9, 0, 0, 0, paris).Sub(b.clock.Now()))
	waitFor(t, b.ran, "next week's digest")
	require.Equal(t, []string{"a@Mon 09:00"}, b.recorded())
	_, err := b.store.JobRun(context.Background(), "digest", "2026-W48")
	require.ErrorIs(t, err, store.ErrNotFound, "the skipped slot was never claimed")
	_, err = b.store.JobRun(context.Background(), "digest", "2026-W49")
	require.NoError(t, err)
}

func TestSchedulerRejectsCadenceInOtherZone(t *testing.T) {
	t.Parallel()
	s, err := app.NewScheduler(app.SchedulerConfig{Claims: countingClaims{}, Location: paris})
	require.NoError(t, err)
	err = s.Add(app.Job{Name: "x", Cadence: app.Daily{Hour: 1, Loc: time.UTC}, Run: func(context.Context, time.Time) error { return nil }})
	require.ErrorContains(t, err, "zone")
}

func TestCadencePrevAndSlot(t *testing.T) {
	t.Parallel()
	w := app.Weekly{Weekday: time.Monday, Hour: 9, Loc: paris}
	cases := []struct {
		now, want time.Time
		slot      string
	}{
		{time.Date(2026, 11, 23, 9, 0, 0, 0, paris), time.Date(2026, 11, 23, 9, 0, 0, 0, paris), "2026-W48"},
		{time.Date(2026, 11, 23, 8, 59, 0, 0, paris), time.Date(2026, 11, 16, 9, 0, 0, 0, paris), "2026-W47"},
		{time.Date(2026, 11, 29, 23, 0, 0, 0, paris), time.Date(2026, 11, 23, 9, 0, 0, 0, paris), "2026-W48"},
		// 08:30 UTC on Monday is 09:30 in Paris.
		{time.Date(2026, 11, 23, 8, 30, 0, 0, time.UTC), time.Date(2026, 11, 23, 9, 0, 0, 0, paris), "2026-W48"},
	}
	for _, c := range cases {
		got := w.Prev(c.now)
		require.True(t, got.Equal(c.want), "Prev(%s) = %s, want %s", c.now, got, c.want)
		require.Equal(t, c.slot, w.Slot(got))
	}
	e := app.Every{Interval: 24 * time.Hour}
	require.Equal(t, "2026-11-23T00:00:00Z", e.Slot(e.Prev(time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC))))
}

// killableClaims are the store's claims until the replica is killed: from
// then on the claimant writes nothing (no heartbeat, no finish, no
// release), as after kill -9.
type killableClaims struct {
	countingClaims
	dead *atomic.Bool
}

var errKilled = errors.New("replica killed")

func (c killableClaims) TakeJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (store.JobClaim, error) {
	if c.dead.Load() {
		return store.JobClaim{}, errKilled
	}
	return c.countingClaims.TakeJobRun(ctx, name, slot, instance, now, lease)
}

func (c killableClaims) HeartbeatJobRun(ctx context.Context, name, slot, instance string, now time.Time) (bool, error) {
	if c.dead.Load() {
		return false, errKilled
	}
	return c.countingClaims.HeartbeatJobRun(ctx, name, slot, instance, now)
}

func (c killableClaims) FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error {
	if c.dead.Load() {
		return errKilled
	}
	return c.countingClaims.FinishJobRun(ctx, name, slot, instance, now, runErr)
}

func (c killableClaims) ReleaseJobRun(ctx context.Context, name, slot, instance string) error {
	if c.dead.Load() {
		return errKilled
	}
	return c.countingClaims.ReleaseJobRun(ctx, name, slot, instance)
}

// lockedLog collects log output written from many goroutines.
type lockedLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// A replica dies (kill -9) while it holds the digest's slot: the other
// replica retakes the slot once the dead one's lease runs out, minutes
// later, logs that at WARN, and the digest runs once to completion.
func TestSchedulerRetakesSlotOfDeadClaimant(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Minute
	b := setupSched(t, time.Date(2026, 11, 23, 9, 0, 30, 0, paris)) // Monday, just after the 09:00 digest
	logs := &lockedLog{}
	started := make(chan string, 4)
	start := func(instance string, dead *atomic.Bool) {
		s, err := app.NewScheduler(app.SchedulerConfig{
			Claims: killableClaims{countingClaims: countingClaims{Store: b.store, attempts: b.attempts, finished: b.finished}, dead: dead},
			Clock:  b.clock, Location: paris, Instance: instance, CatchUp: 12 * time.Hour, Lease: lease,
			Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		})
		require.NoError(t, err)
		require.NoError(t, s.Add(app.Job{
			Name:    "digest",
			Cadence: app.Weekly{Weekday: time.Monday, Hour: 9, Loc: paris},
			Run: func(ctx context.Context, occ time.Time) error {
				started <- instance
				if instance == "a" {
					<-ctx.Done() // a hangs mid-job until it is gone
					return ctx.Err()
				}
				b.mu.Lock()
				b.runs = append(b.runs, instance+"@"+occ.In(paris).Format("Mon 15:04"))
				b.mu.Unlock()
				return nil
			},
		}))
		require.NoError(t, s.Start(context.Background()))
		t.Cleanup(func() { require.NoError(t, s.Shutdown()) })
	}
	aDead, bDead := &atomic.Bool{}, &atomic.Bool{}
	start("a", aDead)
	require.Equal(t, "a", waitFor(t, b.attempts, "a's claim"))
	require.Equal(t, "a", waitFor(t, started, "a's run"))
	start("b", bDead)
	require.Equal(t, "b", waitFor(t, b.attempts, "b's claim, lost to a"))

	// Armed: each replica's weekly timer, a's heartbeat, b's recheck.
	require.NoError(t, b.clock.BlockUntilContext(context.Background(), 4))
	aDead.Store(true) // kill -9: a never heartbeats, finishes or releases again
	b.clock.Advance(lease + 2*time.Second)

	require.Equal(t, "b", waitFor(t, b.attempts, "b's recheck"))
	require.Equal(t, "b", waitFor(t, started, "b's run"))
	require.Equal(t, "2026-W48", waitFor(t, b.finished, "b's outcome recorded"))
	require.Equal(t, []string{"b@Mon 09:00"}, b.recorded(), "the slot ran once to completion, on b")

	jr, err := b.store.JobRun(context.Background(), "digest", "2026-W48")
	require.NoError(t, err)
	require.Equal(t, "b", jr.ClaimedBy)
	require.False(t, jr.FinishedAt.IsZero())
	require.LessOrEqual(t, jr.ClaimedAt.Sub(time.Date(2026, 11, 23, 9, 0, 30, 0, paris)), lease+2*time.Second, "retaken within the lease")
	require.Regexp(t, `level=WARN msg="job_run: retaking a slot whose claimant stopped heartbeating[^"]*" job=digest slot=2026-W48 previous=a`, logs.String())

	// Later ticks find the slot done: no second run.
	b.clock.Advance(time.Hour)
	select {
	case who := <-started:
		t.Fatalf("the slot ran again on %s", who)
	default:
	}
}

// A run cut short by a shutdown gives its slot back, so the next replica or
// start runs it at once instead of finding it "done" with a cancel error.
func TestClaimReleasesTheSlotOfARunCutShort(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 23, 9, 0, 0, 0, paris))
	c := app.Claim{Claims: b.store, Clock: b.clock, Instance: "a"}
	ctx, cancel := context.WithCancel(context.Background())
	out, err := c.Run(ctx, "digest", "2026-W48", func(ctx context.Context) error {
		cancel() // SIGTERM mid-run
		<-ctx.Done()
		return ctx.Err()
	})
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, out.Released)
	_, err = b.store.JobRun(context.Background(), "digest", "2026-W48")
	require.ErrorIs(t, err, store.ErrNotFound, "the slot is free again")

	ran := false
	out, err = app.Claim{Claims: b.store, Clock: b.clock, Instance: "b"}.Run(context.Background(), "digest", "2026-W48",
		func(context.Context) error { ran = true; return nil })
	require.NoError(t, err)
	require.True(t, out.Ran && ran, "the next claimant runs it at once")
	jr, err := b.store.JobRun(context.Background(), "digest", "2026-W48")
	require.NoError(t, err)
	require.Equal(t, "b", jr.ClaimedBy)
	require.False(t, jr.FinishedAt.IsZero())
}
