package bot

import (
	"context"
	"errors"

	"github.com/healthbot/healthbot"
)

// Texts users see when the failure is about time or load rather than a bug;
// everything else gets the error's own safe message (healthbot.ErrorMessage).
const (
	TimeoutText = "That took longer than it should; please try again in a moment."
	BusyText    = "healthbot is busy right now; please try again in a moment."
)

// failureMessage is the one place a handler's error becomes the Slack
// reply, and says whether it was our fault (logged as an error, counted as
// failed) or a request we declined (a healthbot.Error with a code other
// than EINTERNAL: bad input, not found, not allowed…).
func failureMessage(err error) (msg Message, ours bool) {
	if _, ok := errors.AsType[*healthbot.Error](err); ok {
		return Message{Text: healthbot.ErrorMessage(err)}, healthbot.Internal(err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Message{Text: TimeoutText}, true
	}
	return Message{Text: healthbot.InternalMessage}, true
}
