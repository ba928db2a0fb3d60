package bot

import (
	"context"
	"strings"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/slack-go/slack"
)

// SlashCommand routes a slash command. The Dispatch's Ack is empty (Slack
// shows nothing until the answer arrives through response_url), or a short
// ephemeral text when the command is unknown or the bot is busy.
func (r *Router) SlashCommand(cmd slack.SlashCommand) Dispatch {
	h, ok := r.command(cmd.Command)
	if !ok {
		r.log.Warn("slash command without a handler", "command", cmd.Command, "user", cmd.UserID)
		return Dispatch{Ack: Ack{Text: "healthbot does not handle " + cmd.Command + " yet."}}
	}
	req := Request{
		UserID:      cmd.UserID,
		UserName:    cmd.UserName,
		TeamID:      cmd.TeamID,
		ChannelID:   cmd.ChannelID,
		Command:     cmd.Command,
		Text:        strings.TrimSpace(cmd.Text),
		ResponseURL: cmd.ResponseURL,
		TriggerID:   cmd.TriggerID,
	}
	r.received(req)
	d := r.dispatch("command "+cmd.Command, func(ctx context.Context) {
		r.answer(ctx, "command", access.SurfaceCommand, req, func(ctx context.Context) (Message, error) { return h.HandleCommand(ctx, req) })
	})
	if d.Busy {
		d.Ack.Text = BusyText
	}
	return d
}
