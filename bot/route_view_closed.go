package bot

import "github.com/slack-go/slack"

// viewClosed routes a modal dismissed with Cancel or ×, for views opened
// with notify_on_close, by the view's callback_id.
func (r *Router) viewClosed(cb slack.InteractionCallback) Dispatch {
	return r.viewEvent("view closed", r.closings, cb)
}
