package alerts

import (
	"context"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// alertSnooze is the Snooze button: quiet for blocks.AlertSnoozeDays; if
// the condition still holds then, the alert run re-opens and re-posts it.
type alertSnooze struct{ a *Alerts }

var _ chat.ActionHandler = alertSnooze{}

func (h alertSnooze) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	until := h.a.now().AddDate(0, 0, blocks.AlertSnoozeDays)
	return h.a.change(ctx, act, func(cur store.AlertRecord) store.AlertChange {
		return store.AlertChange{State: scoring.AlertSnoozed, SnoozedUntil: until, ActedBy: act.UserID, AssignedTo: cur.AssignedTo}
	}, nil)
}
