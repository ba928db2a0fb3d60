package bot

import (
	"github.com/slack-go/slack"
)

// Interaction routes an interactivity payload by its type. Slack always
// gets an empty 200: for block_actions that is all it wants, for a
// view_submission it closes the modal.
func (r *Router) Interaction(cb slack.InteractionCallback) Dispatch {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		return r.blockActions(cb)
	case slack.InteractionTypeViewSubmission:
		return r.viewSubmission(cb)
	case slack.InteractionTypeViewClosed:
		return r.viewClosed(cb)
	default:
		r.log.Debug("interaction type not handled", "type", cb.Type, "callback_id", cb.CallbackID)
		return Dispatch{}
	}
}

// interactionRequest is what every interaction says about who and where.
func interactionRequest(cb *slack.InteractionCallback) Request {
	return Request{
		UserID:      cb.User.ID,
		UserName:    cb.User.Name,
		TeamID:      firstNonEmpty(cb.Team.ID, cb.User.TeamID),
		ChannelID:   firstNonEmpty(cb.Channel.ID, cb.Container.ChannelID),
		ResponseURL: cb.ResponseURL,
		TriggerID:   cb.TriggerID,
		ThreadTS:    cb.Container.ThreadTs,
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
