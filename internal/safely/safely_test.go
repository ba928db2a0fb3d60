package safely_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/internal/safely"
)

func TestCallTurnsAPanicIntoAnErrorWithItsStack(t *testing.T) {
	t.Parallel()
	err := safely.Call(func() error {
		var m map[string]int
		m["boom"]++ // a nil map write panics
		return nil
	})
	pe, ok := errors.AsType[*safely.PanicError](err)
	if !ok {
		t.Fatalf("Call returned %v, want a *PanicError", err)
	}
	if !strings.Contains(string(pe.Stack), "safely_test.go") {
		t.Errorf("stack does not name the panicking frame:\n%s", pe.Stack)
	}
}

func TestCallPassesErrorsThrough(t *testing.T) {
	t.Parallel()
	want := errors.New("ordinary failure")
	if got := safely.Call(func() error { return want }); got != want {
		t.Errorf("Call = %v, want %v", got, want)
	}
	if got := safely.Call(func() error { return nil }); got != nil {
		t.Errorf("Call = %v, want nil", got)
	}
}
