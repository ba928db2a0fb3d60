package bot

import (
	"context"

	"github.com/healthbot/healthbot/store"
)

// calibrationApprove is the Approve button of a calibration proposal: the
// version goes in force from the next scoring run, once, whoever clicks
// first on whichever replica.
type calibrationApprove struct{ c *Calibrations }

var _ ActionHandler = calibrationApprove{}

func (h calibrationApprove) HandleAction(ctx context.Context, act Action) (Message, error) {
	return h.c.decide(ctx, act, store.VersionApproved)
}
