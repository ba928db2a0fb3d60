package bot

import (
	"context"
	"regexp"
	"strings"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack/slackevents"
)

// leadingMentions matches "<@U123> " (and "<@U123|name>") at the start of a
// mention's text, which is the bot's own name, not the question.
var leadingMentions = regexp.MustCompile(`^(\s*<@[^>]+>)+\s*`)

// appMention routes "@healthbot acme" to the conversation handler; the
// answer goes in the mention's thread. Mentions by bots are ignored.
func (r *Router) appMention(teamID string, ev *slackevents.AppMentionEvent) Dispatch {
	if ev.BotID != "" {
		return Dispatch{}
	}
	req := Request{
		UserID:    ev.User,
		TeamID:    firstNonEmpty(ev.UserTeam, teamID),
		ChannelID: ev.Channel,
		Text:      strings.TrimSpace(leadingMentions.ReplaceAllString(ev.Text, "")),
		ThreadTS:  firstNonEmpty(ev.ThreadTimeStamp, ev.TimeStamp),
	}
	return r.converse("mention", access.SurfaceMention, req)
}

// converse runs the conversation handler for a mention or a DM.
func (r *Router) converse(kind string, surface access.Surface, req Request) Dispatch {
	h, ok := r.conversationHandler()
	if !ok {
		r.log.Debug(kind+" without a conversation handler", "user", req.UserID, "channel", req.ChannelID)
		return Dispatch{}
	}
	return r.dispatch(kind, func(ctx context.Context) {
		r.answer(ctx, kind, surface, req, func(ctx context.Context) (Message, error) { return h.HandleCommand(ctx, req) })
	})
}
