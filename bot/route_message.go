package bot

import (
	"strings"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack/slackevents"
)

// message routes a user's plain DM to the bot (message.im) to the
// conversation handler, answering in the DM (in the thread if it was in
// one). Other messages — channels the bot is in, edits, bot posts,
// including our own — go to the "message" Event handler, if any.
func (r *Router) message(teamID string, outer *slackevents.EventsAPICallbackEvent, ev *slackevents.MessageEvent) Dispatch {
	if ev.IsIM() && ev.SubType == "" && ev.BotID == "" && ev.User != "" {
		return r.converse("direct message", access.SurfaceDM, Request{
			UserID:    ev.User,
			TeamID:    firstNonEmpty(ev.UserTeam, teamID),
			ChannelID: ev.Channel,
			Text:      strings.TrimSpace(ev.Text),
			ThreadTS:  ev.ThreadTimeStamp,
			SentTS:    ev.TimeStamp,
		})
	}
	if ev.IsIM() {
		return Dispatch{} // our own replies and edits in DMs: nothing to do
	}
	return r.event(teamID, outer, slackevents.EventsAPIInnerEvent{Type: string(slackevents.Message), Data: ev})
}
