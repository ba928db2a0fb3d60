package calibration

import (
	"context"

	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// dismiss is the Dismiss button of a calibration proposal: the
// scorecards in force stay as they are.
type dismiss struct{ c *Calibrations }

var _ chat.ActionHandler = dismiss{}

func (h dismiss) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	return h.c.decide(ctx, act, store.VersionDismissed)
}
