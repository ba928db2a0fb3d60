package app_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
)

// errSlackDown stands for a failure that may pass by itself (a 5xx, the
// network), the kind the pulse send retries after the lease.
var errSlackDown = errors.New("slack: 503")

// A failure Claim.Retry accepts leaves the claim open: not finished (that
// would mark the week's pulse sent) and not released (that would resend at
// once, in a loop); the slot is retaken, and the work tried again, once the
// lease runs out. A failure Retry refuses is recorded like any other.
func TestClaimLeavesTheSlotOpenOnARetryableFailure(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 23, 9, 0, 0, 0, paris))
	retry := func(err error) bool { return errors.Is(err, errSlackDown) }
	claim := func(instance string) app.Claim {
		return app.Claim{Claims: b.store, Clock: b.clock, Instance: instance, Lease: time.Minute, Retry: retry}
	}
	ctx := context.Background()

	out, err := claim("a").Run(ctx, "pulse:7", "2026-W48", func(context.Context) error { return errSlackDown })
	require.ErrorIs(t, err, errSlackDown)
	require.Equal(t, app.ClaimOutcome{Ran: true, Open: true}, out)
	jr, err := b.store.JobRun(ctx, "pulse:7", "2026-W48")
	require.NoError(t, err)
	require.True(t, jr.FinishedAt.IsZero(), "a retryable failure does not finish the slot")
	require.Equal(t, "a", jr.ClaimedBy, "nor release it")

	out, err = claim("b").Run(ctx, "pulse:7", "2026-W48", func(context.Context) error {
		t.Error("ran while the open claim's lease still holds")
		return nil
	})
	require.NoError(t, err)
	require.True(t, out.Held, "within the lease the open claim still holds the slot")

	b.clock.Advance(time.Minute + time.Second)
	refused := errors.New("slack: user_not_found")
	out, err = claim("b").Run(ctx, "pulse:7", "2026-W48", func(context.Context) error { return refused })
	require.ErrorIs(t, err, refused)
	require.Equal(t, app.ClaimOutcome{Ran: true}, out, "retaken after the lease and run again")
	jr, err = b.store.JobRun(ctx, "pulse:7", "2026-W48")
	require.NoError(t, err)
	require.False(t, jr.FinishedAt.IsZero(), "a failure Retry refuses finishes the slot")
	require.Equal(t, refused.Error(), jr.Error)
}

// A panic in the work is an error carrying its stack (safely.Call), and the
// slot records it as a failure instead of the process dying.
func TestClaimTurnsAPanicIntoAFailedRun(t *testing.T) {
	t.Parallel()
	b := setupSched(t, time.Date(2026, 11, 23, 9, 0, 0, 0, paris))
	ctx := context.Background()
	out, err := app.Claim{Claims: b.store, Clock: b.clock, Instance: "a"}.Run(ctx, "digest", "2026-W48",
		func(context.Context) error { panic("nil map in the digest") })
	require.ErrorContains(t, err, "panic: nil map in the digest")
	require.True(t, out.Ran)
	jr, err := b.store.JobRun(ctx, "digest", "2026-W48")
	require.NoError(t, err)
	require.False(t, jr.FinishedAt.IsZero())
	require.Contains(t, jr.Error, "nil map in the digest")
}
