package bot

import (
	"errors"
	"fmt"
)

// UserError is an error whose Message is safe to show a Slack user; the
// wrapped Err (and Code) go to the log only, so users never see raw Go or SQL
// errors.
type UserError struct {
	Code    string // stable, machine-readable: "not_found", "bad_input", "internal"…
	Message string // user-safe, complete sentence
	Err     error  // detail for the log; may be nil
	// Internal marks a failure on our side (a database outage) dressed in
	// a safe message: logged at ERROR and counted as failed, not declined.
	Internal bool
}

func (e *UserError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *UserError) Unwrap() error { return e.Err }

// UserErrorf makes a UserError with a formatted user-safe message.
func UserErrorf(code, format string, args ...any) *UserError {
	return &UserError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap attaches a user-safe message to an internal error; the failure
// still counts as ours (Internal).
func Wrap(err error, code, message string) *UserError {
	return &UserError{Code: code, Message: message, Err: err, Internal: true}
}

// InternalMessage is what users see for any error that is not a UserError.
const InternalMessage = "Sorry, something went wrong on our side. Please try again in a minute; if it keeps happening, tell whoever runs healthbot."

// SafeMessage returns what a user may see for err: a UserError's message, or
// a generic apology for anything else.
func SafeMessage(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Message != "" {
		return ue.Message
	}
	return InternalMessage
}

// ErrorCode returns err's UserError code, or "internal".
func ErrorCode(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Code != "" {
		return ue.Code
	}
	return "internal"
}
