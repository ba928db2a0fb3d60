// Package healthbot is the domain root: what every layer shares and no
// layer owns. Today that is the one error model (the wtf pattern): every
// failure a person may see carries a code from a small fixed set and a
// user-safe message; anything else is an internal failure whose detail goes
// to the log only.
package healthbot

import (
	"errors"
	"fmt"
)

// Error codes. The set is small on purpose: a code says what the caller
// can do about the failure (fix the input, ask someone, retry), not where it
// happened. Adapters map them to their wire form (an HTTP status, a tool
// result, an ephemeral Slack message) in one place each.
const (
	EINVALID      = "invalid"      // the input is wrong: fix it and retry
	ENOTFOUND     = "not_found"    // what was named does not exist
	ECONFLICT     = "conflict"     // ambiguous, already exists, or busy elsewhere
	EUNAUTHORIZED = "unauthorized" // who is asking is not known (no or bad key)
	EFORBIDDEN    = "forbidden"    // known, but not allowed to do this
	ETOOLARGE     = "too_large"    // the request is over a documented limit
	EUNAVAILABLE  = "unavailable"  // a dependency (Slack, the model) failed: retry later
	EINTERNAL     = "internal"     // our fault; detail is in the log
)

// InternalMessage is what a person sees for any failure without a message
// of its own.
const InternalMessage = "Sorry, something went wrong on our side. Please try again in a minute; if it keeps happening, tell whoever runs healthbot."

// Error is a failure with a code and a message safe to show the person who
// asked. Err, when set, is the cause: logged, never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error whose message is safe to show.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap dresses an internal failure in a safe message: the code stays
// EINTERNAL, so it is logged as an error and counted as ours, while the
// person sees message instead of the generic apology.
func Wrap(err error, message string) *Error {
	return &Error{Code: EINTERNAL, Message: message, Err: err}
}

// ErrorCode returns the code of the first Error in err's chain, EINTERNAL
// for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns what a person may see for err: the message of the
// first Error in its chain, or InternalMessage.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return InternalMessage
}

// Internal reports whether err is our failure (code EINTERNAL), to be
// logged as an error rather than counted as a declined request.
func Internal(err error) bool { return ErrorCode(err) == EINTERNAL }
