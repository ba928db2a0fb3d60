package alerts

import (
	"context"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// alertAck is the Acknowledge button: someone is on it.
type alertAck struct{ a *Alerts }

var _ chat.ActionHandler = alertAck{}

func (h alertAck) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	return h.a.change(ctx, act, func(cur store.AlertRecord) store.AlertChange {
		return store.AlertChange{State: scoring.AlertAcknowledged, ActedBy: act.UserID, AssignedTo: cur.AssignedTo}
	}, func(ctx context.Context, before, after store.AlertRecord, _ store.Card) {
		if h.a.timeline != nil && before.State != scoring.AlertAcknowledged {
			h.a.timeline.RecordAlert(ctx, act.UserID, after.ID, after.AccountID, "acknowledged",
				"Acknowledged "+blocks.AlertTitle(after.Kind)+": "+after.Summary)
		}
	})
}
