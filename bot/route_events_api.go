package bot

import (
	"encoding/json"

	"github.com/slack-go/slack/slackevents"
)

// EventsAPI routes an Events API callback by its inner event type:
// app_mention and DMs go to the conversation handler, messages elsewhere
// and every other type to the handler registered with Event. An event_id
// seen before (a Slack retry of one already taken) is dropped here.
//
// url_verification is the HTTP transport's business and never gets here.
func (r *Router) EventsAPI(ev slackevents.EventsAPIEvent) Dispatch {
	if ev.Type == slackevents.AppRateLimited {
		r.log.Warn("Slack is dropping events: the app exceeded 30,000 events an hour", "team", ev.TeamID)
		return Dispatch{}
	}
	if ev.Type != slackevents.CallbackEvent {
		r.log.Debug("events API envelope not handled", "type", ev.Type)
		return Dispatch{}
	}
	outer, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok {
		r.log.Warn("events API callback without its envelope", "inner_type", ev.InnerEvent.Type)
		return Dispatch{}
	}
	if !r.seen.first(outer.EventID) {
		r.log.Debug("duplicate event dropped", "event_id", outer.EventID, "type", ev.InnerEvent.Type)
		return Dispatch{}
	}
	var d Dispatch
	switch inner := ev.InnerEvent.Data.(type) {
	case *slackevents.AppMentionEvent:
		d = r.appMention(ev.TeamID, inner)
	case *slackevents.MessageEvent:
		d = r.message(ev.TeamID, outer, inner)
	default:
		d = r.event(ev.TeamID, outer, ev.InnerEvent)
	}
	if d.Busy {
		r.seen.forget(outer.EventID) // let Slack's retry through
	}
	return d
}

// eventParties pulls "user" and "channel" out of any inner event whose
// fields are plain strings, for handlers, logs and the access Gate; the
// assistant pane's events carry them in "assistant_thread".
func eventParties(outer *slackevents.EventsAPICallbackEvent) (user, channel string) {
	if outer.InnerEvent == nil {
		return "", ""
	}
	var raw struct {
		User    json.RawMessage `json:"user"`
		Channel json.RawMessage `json:"channel"`
		Thread  struct {
			UserID    string `json:"user_id"`
			ChannelID string `json:"channel_id"`
		} `json:"assistant_thread"`
	}
	if json.Unmarshal(*outer.InnerEvent, &raw) != nil {
		return "", ""
	}
	_ = json.Unmarshal(raw.User, &user)       // an object for some types; then ""
	_ = json.Unmarshal(raw.Channel, &channel) // likewise
	return firstNonEmpty(user, raw.Thread.UserID), firstNonEmpty(channel, raw.Thread.ChannelID)
}
