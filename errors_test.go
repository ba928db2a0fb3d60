package healthbot_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/healthbot/healthbot"
)

func TestErrorCodeAndMessage(t *testing.T) {
	t.Parallel()
	cause := errors.New("pq: relation does not exist")
	tests := []struct {
		name     string
		err      error
		code     string
		message  string
		internal bool
	}{
		{"nil", nil, "", healthbot.InternalMessage, false},
		{"plain error is internal", cause, healthbot.EINTERNAL, healthbot.InternalMessage, true},
		{"invalid", healthbot.Errorf(healthbot.EINVALID, "score must be 0 to 100, not %d", 140),
			healthbot.EINVALID, "score must be 0 to 100, not 140", false},
		{"wrapped keeps its code", fmt.Errorf("card: %w", healthbot.Errorf(healthbot.ENOTFOUND, "no account matches %q", "acme")),
			healthbot.ENOTFOUND, `no account matches "acme"`, false},
		{"wrap is internal with a safe message", healthbot.Wrap(cause, "Could not read the card."),
			healthbot.EINTERNAL, "Could not read the card.", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := healthbot.ErrorCode(tt.err); got != tt.code {
				t.Errorf("ErrorCode = %q, want %q", got, tt.code)
			}
			if tt.err != nil {
				if got := healthbot.ErrorMessage(tt.err); got != tt.message {
					t.Errorf("ErrorMessage = %q, want %q", got, tt.message)
				}
			}
			if got := healthbot.Internal(tt.err); got != tt.internal {
				t.Errorf("Internal = %v, want %v", got, tt.internal)
			}
		})
	}
}

func TestWrapKeepsTheCauseForTheLog(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection refused")
	err := healthbot.Wrap(cause, "Could not save the pulse.")
	if !errors.Is(err, cause) {
		t.Fatal("errors.Is(Wrap(cause), cause) = false; the log would lose the cause")
	}
	if got := err.Error(); got != "internal: Could not save the pulse.: connection refused" {
		t.Errorf("Error() = %q", got)
	}
}
