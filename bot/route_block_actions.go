package bot

import (
	"context"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack"
)

// blockActions routes a button click or menu choice to the handler of the
// longest registered prefix of its action_id. Slack sends one action per
// click; should there be several, the first one with a handler wins.
func (r *Router) blockActions(cb slack.InteractionCallback) Dispatch {
	for _, a := range cb.ActionCallback.BlockActions {
		if a == nil {
			continue
		}
		h, ok := r.action(a.ActionID)
		if !ok {
			continue
		}
		act := Action{
			Request:   interactionRequest(&cb),
			ActionID:  a.ActionID,
			BlockID:   a.BlockID,
			Value:     firstNonEmpty(a.Value, a.SelectedOption.Value),
			MessageTS: firstNonEmpty(cb.Container.MessageTs, cb.Message.Timestamp),
			Callback:  &cb,
		}
		r.received(act.Request)
		return r.dispatch("action "+a.ActionID, func(ctx context.Context) {
			r.answer(ctx, "action", access.SurfaceAction, act.Request, func(ctx context.Context) (Message, error) { return h.HandleAction(ctx, act) })
		})
	}
	r.log.Debug("block action without a handler", "actions", len(cb.ActionCallback.BlockActions), "user", cb.User.ID)
	return Dispatch{}
}
