package bot

import "github.com/healthbot/healthbot/bot/chat"

// The event types and the func adapters live in bot/chat, beside Request
// and Message, so handler subpackages implement them without importing bot.
type (
	Event        = chat.Event
	EventHandler = chat.EventHandler
	CommandFunc  = chat.CommandFunc
	ActionFunc   = chat.ActionFunc
	EventFunc    = chat.EventFunc
)
