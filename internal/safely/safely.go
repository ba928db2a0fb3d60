// Package safely holds the one recover wrapper: every place that must
// survive a panic in code it calls (a Slack handler, a scheduled job, a
// pulse send, an intake request, a console line) runs it through Call, so a
// panic is always an error with its stack and never takes the process down.
package safely

import (
	"fmt"
	"runtime/debug"
)

// PanicError is a recovered panic, kept as an error so it flows through the
// same "log the detail, tell the person something safe" path as any other
// internal failure.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Call runs fn and turns a panic into a *PanicError.
func Call(fn func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return fn()
}
