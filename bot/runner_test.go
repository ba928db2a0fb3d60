package bot

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

func setupRunner(t *testing.T, maxInFlight int, timeout time.Duration) (*Runner, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	r := NewRunner(slog.New(slog.NewTextHandler(logs, nil)), maxInFlight, timeout)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		require.NoError(t, r.Wait(ctx))
	})
	return r, logs
}

func waitCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	t.Cleanup(cancel)
	return ctx
}

func TestRunnerRecoversPanicsAndFreesTheSlot(t *testing.T) {
	t.Parallel()
	r, logs := setupRunner(t, 1, 0)
	require.NoError(t, r.Go("boom", func(context.Context) { panic("kaboom") }))
	require.NoError(t, r.Idle(waitCtx(t)))
	require.Contains(t, logs.String(), "kaboom")
	require.Contains(t, logs.String(), "job=boom")

	ran := make(chan struct{})
	require.NoError(t, r.Go("after", func(context.Context) { close(ran) }), "the panicking job gave its slot back")
	<-ran
}

func TestRunnerBoundsJobsInFlight(t *testing.T) {
	t.Parallel()
	r, _ := setupRunner(t, 2, 0)
	release := make(chan struct{})
	for range 2 {
		require.NoError(t, r.Go("blocked", func(context.Context) { <-release }))
	}
	require.ErrorIs(t, r.Go("third", func(context.Context) {}), ErrBusy)
	require.Equal(t, 2, r.InFlight())

	slot, err := r.Reserve()
	require.ErrorIs(t, err, ErrBusy)
	require.Nil(t, slot)
	close(release)
	require.NoError(t, r.Idle(waitCtx(t)))

	slot, err = r.Reserve()
	require.NoError(t, err)
	slot.Release()
	slot.Release() // harmless
	require.Equal(t, 0, r.InFlight())
}

func TestRunnerTimesJobsOut(t *testing.T) {
	t.Parallel()
	r, _ := setupRunner(t, 1, time.Millisecond)
	got := make(chan error, 1)
	require.NoError(t, r.Go("slow", func(ctx context.Context) {
		<-ctx.Done()
		got <- ctx.Err()
	}))
	require.ErrorIs(t, <-got, context.DeadlineExceeded)
}

func TestRunnerWaitDrainsThenRefuses(t *testing.T) {
	t.Parallel()
	r, _ := setupRunner(t, 4, 0)
	release := make(chan struct{})
	finished := make(chan struct{})
	require.NoError(t, r.Go("inflight", func(context.Context) {
		<-release
		close(finished)
	}))
	waited := make(chan error, 1)
	go func() { waited <- r.Wait(waitCtx(t)) }()
	close(release)
	require.NoError(t, <-waited)
	select {
	case <-finished:
	default:
		t.Fatal("Wait returned before the job in flight finished")
	}
	require.ErrorIs(t, r.Go("late", func(context.Context) {}), ErrClosed)
}

func TestRunnerWaitGivesUpAndCancelsJobs(t *testing.T) {
	t.Parallel()
	r, _ := setupRunner(t, 1, time.Hour)
	cancelled := make(chan struct{})
	require.NoError(t, r.Go("stuck", func(ctx context.Context) {
		<-ctx.Done()
		close(cancelled)
	}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, r.Wait(ctx), context.Canceled)
	<-cancelled // the job's context was cancelled so it can stop
}
