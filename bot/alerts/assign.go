package alerts

import (
	"context"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// alertAssign is the Assign to… menu: the alert keeps its state and gets
// an assignee.
type alertAssign struct{ a *Alerts }

var _ chat.ActionHandler = alertAssign{}

func (h alertAssign) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	user := selectedUser(act)
	if user == "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Pick someone to assign the alert to.")
	}
	if user != act.UserID && !h.a.isManager(ctx) {
		return chat.Message{}, healthbot.Errorf(healthbot.EFORBIDDEN, "Only managers can assign alerts to someone else.")
	}
	if h.a.guard != nil {
		if err := h.a.guard.CheckUser(ctx, user); err != nil {
			return chat.Message{}, &healthbot.Error{Code: healthbot.EFORBIDDEN, Err: err,
				Message: "<@" + user + "> can't be assigned this alert: they may not see account data (a guest, someone outside the team, or not in the allowed groups)."}
		}
	}
	return h.a.change(ctx, act, func(cur store.AlertRecord) store.AlertChange {
		return store.AlertChange{State: cur.State, SnoozedUntil: cur.SnoozedUntil, ActedBy: cur.ActedBy, AssignedTo: user}
	}, func(ctx context.Context, before, after store.AlertRecord, card store.Card) {
		h.a.tellAssignee(ctx, act.UserID, before, after, card)
		if h.a.timeline != nil && after.AssignedTo != before.AssignedTo {
			h.a.timeline.RecordAlert(ctx, act.UserID, after.ID, after.AccountID, "assigned",
				"Assigned "+blocks.AlertTitle(after.Kind)+" to <@"+after.AssignedTo+">")
		}
	})
}

// tellAssignee DMs the person an alert was just assigned to, unless they
// assigned it to themselves or already had it. The assignment is stored
// either way; a failed DM is only logged.
func (a *Alerts) tellAssignee(ctx context.Context, by string, before, after store.AlertRecord, card store.Card) {
	to := after.AssignedTo
	if to == "" || to == before.AssignedTo || to == by {
		return
	}
	m := a.Message(after, card.Account, card.Score)
	if _, _, err := a.postTo(ctx, to, blocks.AlertAssignedText(m, by), blocks.AlertAssignedBlocks(m, by), ""); err != nil {
		a.log.ErrorContext(ctx, "alert assigned but the assignee not told", "alert", after.ID, "user", to, "err", err)
	}
}

// selectedUser is the user picked in the Assign menu of the click.
func selectedUser(act chat.Action) string {
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
