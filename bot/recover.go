package bot

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/healthbot/healthbot"
)

// PanicError is a recovered handler panic, kept as an error so it flows
// through the same "log the detail, tell the user something safe" path.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("handler panicked: %v", p.Value) }

// callSafely runs a handler and turns a panic into a *PanicError, so one
// bad handler cannot take the process down.
func callSafely(ctx context.Context, fn func(context.Context) (Message, error)) (msg Message, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn(ctx)
}

// Texts users see when the failure is about time or load rather than a bug;
// everything else gets SafeMessage (errors.go).
const (
	TimeoutText = "That took longer than it should; please try again in a moment."
	BusyText    = "healthbot is busy right now; please try again in a moment."
)

// failureMessage turns a handler's error into what the user sees, and says
// whether it was our fault (logged as an error) or an expected UserError.
func failureMessage(err error) (msg Message, ours bool) {
	if _, ok := errors.AsType[*healthbot.Error](err); ok {
		// The error model handlers moved out of bot speak (bot/outcomes).
		return Message{Text: healthbot.ErrorMessage(err)}, healthbot.Internal(err)
	}
	if ue, ok := errors.AsType[*UserError](err); ok {
		return Message{Text: SafeMessage(err)}, ue.Internal
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Message{Text: TimeoutText}, true
	}
	return Message{Text: SafeMessage(err)}, true
}
