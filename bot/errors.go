package bot

import (
	"errors"
	"fmt"

	"github.com/healthbot/healthbot"
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

// InternalMessage is what users see for any error without a safe message.
const InternalMessage = healthbot.InternalMessage

// SafeMessage returns what a user may see for err: a UserError's message,
// else a healthbot.Error's, else a generic apology. It reads both while
// the handlers move from UserError to healthbot.Error.
func SafeMessage(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Message != "" {
		return ue.Message
	}
	return healthbot.ErrorMessage(err)
}

// ErrorCode returns err's UserError code, else its healthbot.Error code,
// else "internal".
func ErrorCode(err error) string {
	var ue *UserError
	if errors.As(err, &ue) && ue.Code != "" {
		return ue.Code
	}
	if err == nil {
		return healthbot.EINTERNAL
	}
	return healthbot.ErrorCode(err)
}
