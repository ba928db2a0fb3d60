package bot

import (
	"context"

	"github.com/healthbot/healthbot/store"
)

// calibrationDismiss is the Dismiss button of a calibration proposal: the
// scorecards in force stay as they are.
type calibrationDismiss struct{ c *Calibrations }

var _ ActionHandler = calibrationDismiss{}

func (h calibrationDismiss) HandleAction(ctx context.Context, act Action) (Message, error) {
	return h.c.decide(ctx, act, store.VersionDismissed)
}
