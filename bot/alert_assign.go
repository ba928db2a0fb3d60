package bot

import (
	"context"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/store"
)

// alertAssign is the Assign to… menu: the alert keeps its state and gets
// an assignee.
type alertAssign struct{ a *Alerts }

var _ ActionHandler = alertAssign{}

func (h alertAssign) HandleAction(ctx context.Context, act Action) (Message, error) {
	user := selectedUser(act)
	if user == "" {
		return Message{}, UserErrorf("bad_action", "Pick someone to assign the alert to.")
	}
	return h.a.change(ctx, act, func(cur store.AlertRecord) store.AlertChange {
		return store.AlertChange{State: cur.State, SnoozedUntil: cur.SnoozedUntil, ActedBy: cur.ActedBy, AssignedTo: user}
	})
}

// selectedUser is the user picked in the Assign menu of the click.
func selectedUser(act Action) string {
	if act.Callback == nil {
		return ""
	}
	for _, ba := range act.Callback.ActionCallback.BlockActions {
		if ba != nil && ba.ActionID == blocks.ActionAlertAssign {
			return ba.SelectedUser
		}
	}
	return ""
}
