package chat

import (
	"context"

	"github.com/slack-go/slack"
)

// Event is an Events API event that is not a question to the bot (mentions
// and DMs become Requests for the conversation handler): app_home_opened,
// messages in channels the bot is in, and any other subscribed event.
type Event struct {
	Type      string // the inner event type: "app_home_opened", "message", …
	EventID   string // Slack's id, unique per event; retries repeat it
	TeamID    string
	UserID    string
	ChannelID string
	Data      any // the parsed slackevents value, e.g. *slackevents.AppHomeOpenedEvent
}

// EventHandler reacts to an Event. There is no one to answer, so its error
// is only logged.
type EventHandler interface {
	HandleEvent(ctx context.Context, ev Event) error
}

// CommandFunc adapts a function to CommandHandler.
type CommandFunc func(ctx context.Context, req Request) (Message, error)

// HandleCommand calls f.
func (f CommandFunc) HandleCommand(ctx context.Context, req Request) (Message, error) {
	return f(ctx, req)
}

// ActionFunc adapts a function to ActionHandler.
type ActionFunc func(ctx context.Context, act Action) (Message, error)

// HandleAction calls f.
func (f ActionFunc) HandleAction(ctx context.Context, act Action) (Message, error) {
	return f(ctx, act)
}

// EventFunc adapts a function to EventHandler.
type EventFunc func(ctx context.Context, ev Event) error

// HandleEvent calls f.
func (f EventFunc) HandleEvent(ctx context.Context, ev Event) error { return f(ctx, ev) }

var (
	_ CommandHandler = CommandFunc(nil)
	_ ActionHandler  = ActionFunc(nil)
	_ EventHandler   = EventFunc(nil)
)

// RefusedEventHandler is implemented by EventHandlers that show something
// neutral to a user the Gate refused (the App Home replaces a stale view).
type RefusedEventHandler interface {
	HandleRefused(ctx context.Context, ev Event) error
}

// SubmissionCheck validates a modal's submitted values before the modal
// closes: it returns an error per input block (block_id → what to fix),
// which Slack shows under the fields, or nil to accept. It runs before the
// acknowledgement, within Slack's 3 seconds, so it must not do I/O.
type SubmissionCheck func(cb *slack.InteractionCallback) map[string]string
