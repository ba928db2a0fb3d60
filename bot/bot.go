// Package bot is healthbot's Slack adapter and its jobs: transports (Socket
// Mode and HTTP), command routing, Block Kit rendering, the pulse flow,
// alerts, digests, the scheduler and the language-model question loop.
//
// Every transport turns what Slack sends into a Request or an Action and
// hands it to the same handlers, which answer with a Message; rendering is
// separate from sending so every message is golden-testable without Slack.
package bot

import "github.com/healthbot/healthbot/bot/chat"

// The handler-facing types live in bot/chat; these aliases keep the
// adapter's own files readable while handlers move into subpackages.
type (
	Request        = chat.Request
	Action         = chat.Action
	Message        = chat.Message
	CommandHandler = chat.CommandHandler
	ActionHandler  = chat.ActionHandler
)
