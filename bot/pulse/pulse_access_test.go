package pulse_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/pulse"
)

// userGuard is a Gate of a function: it refuses the users fn refuses.
type userGuard func(ctx context.Context, user string) error

func (f userGuard) CheckChannel(context.Context, string) error       { return nil }
func (f userGuard) CheckUser(ctx context.Context, user string) error { return f(ctx, user) }

func TestPulseIsNotSentToGuests(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{cfg: func(c *pulse.PulseConfig) {
		c.Guard = userGuard(func(_ context.Context, id string) error {
			if id == "UGUEST" {
				return &access.RefusedError{UserID: id, Reason: access.ReasonGuest}
			}
			return nil
		})
	}})
	ann, guest := e.csm(t, "Ann", "UANN", "UTC"), e.csm(t, "Gus", "UGUEST", "UTC")
	e.account(t, "Ann Co", ann, 50)
	e.account(t, "Gus Co", guest, 30)
	sum := e.tick(t)
	require.Equal(t, 1, sum.Messages)
	require.Len(t, e.postsTo("UANN"), 1)
	require.Empty(t, e.postsTo("UGUEST"))
	e.clock.Advance(time.Hour)
	e.tick(t)
	require.Empty(t, e.postsTo("UGUEST"), "nor later in the week")
}
