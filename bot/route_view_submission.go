package bot

import (
	"context"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack"
)

// viewSubmission routes a modal submission by the view's callback_id. The
// empty ack closes the modal; the handler runs afterwards and a Message it
// returns goes to the modal's response_url (if its blocks asked for one)
// or to the user's DM with the app.
func (r *Router) viewSubmission(cb slack.InteractionCallback) Dispatch {
	r.mu.RLock()
	check := r.checks[cb.View.CallbackID]
	r.mu.RUnlock()
	if check != nil {
		if errs := check(&cb); len(errs) > 0 {
			return Dispatch{Ack: Ack{Errors: errs}}
		}
	}
	return r.viewEvent("view submission", r.submissions, cb)
}

// viewEvent routes view_submission and view_closed alike.
func (r *Router) viewEvent(kind string, routes map[string]ActionHandler, cb slack.InteractionCallback) Dispatch {
	h, ok := r.view(routes, cb.View.CallbackID)
	if !ok {
		r.log.Debug(kind+" without a handler", "callback_id", cb.View.CallbackID, "user", cb.User.ID)
		return Dispatch{}
	}
	req := interactionRequest(&cb)
	if len(cb.ViewSubmissionCallback.ResponseURLs) > 0 {
		u := cb.ViewSubmissionCallback.ResponseURLs[0]
		req.ResponseURL, req.ChannelID = u.ResponseURL, u.ChannelID
	}
	act := Action{Request: req, Value: cb.View.PrivateMetadata, Callback: &cb}
	r.received(req)
	return r.dispatch(kind+" "+cb.View.CallbackID, func(ctx context.Context) {
		r.answer(ctx, kind, access.SurfaceView, req, func(ctx context.Context) (Message, error) { return h.HandleAction(ctx, act) })
	})
}
