// Package chat holds the transport-neutral types every Slack handler speaks:
// a Request (a slash command, mention or DM), an Action (a click or a modal
// submission) and the Message a handler answers with. It sits below the
// router (package bot) and the handler packages (bot/health, bot/pulse, …)
// so both can import it without a cycle.
package chat

import (
	"context"

	"github.com/slack-go/slack"
)

// Request is a user's ask — a slash command, a mention or a DM — whatever
// transport brought it.
type Request struct {
	UserID      string
	UserName    string
	TeamID      string
	ChannelID   string
	Command     string // "/health", or "" for mentions and DMs
	Text        string // what follows the command, trimmed
	ResponseURL string // slash commands and interactions only
	TriggerID   string // for opening modals
	ThreadTS    string // mentions: reply in this thread
	// SentTS is the ts of the user's own message (DMs): a streamed answer
	// to a top-level DM is a thread reply to it, as Slack's streaming needs.
	SentTS string
}

// Action is a click on an interactive element or a modal submission.
type Action struct {
	Request
	ActionID  string
	BlockID   string
	Value     string
	MessageTS string
	Callback  *slack.InteractionCallback // the raw payload, for view submissions and state
}

// Message is a transport-neutral reply.
type Message struct {
	Text      string // fallback text; also what notifications show
	Blocks    []slack.Block
	InChannel bool // visible to the channel, else ephemeral to the asker
	// Ephemeral: a mention's answer goes to the asker only (chat.postEphemeral)
	// instead of the thread; refusals use it.
	Ephemeral       bool
	ReplaceOriginal bool // update the message the action came from
	DeleteOriginal  bool
	// Fallback, when set, is sent instead of Blocks if Slack refuses them
	// (invalid_blocks, or a 400 from a response_url): e.g. a card's text
	// sparkline where a workspace does not take chart blocks.
	Fallback []slack.Block
}

// CommandHandler answers a Request.
type CommandHandler interface {
	HandleCommand(ctx context.Context, req Request) (Message, error)
}

// ActionHandler answers an Action.
type ActionHandler interface {
	HandleAction(ctx context.Context, act Action) (Message, error)
}

// MsgOptions is msg in chat.postMessage form.
func MsgOptions(msg Message, threadTS string) []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false)}
	if len(msg.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks...))
	}
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	return opts
}
