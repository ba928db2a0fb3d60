package calibration

import (
	"context"

	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// approve is the Approve button of a calibration proposal: the
// version goes in force from the next scoring run, once, whoever clicks
// first on whichever replica.
type approve struct{ c *Calibrations }

var _ chat.ActionHandler = approve{}

func (h approve) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	return h.c.decide(ctx, act, store.VersionApproved)
}
