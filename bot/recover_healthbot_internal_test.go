package bot

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
)

// A handler outside package bot (bot/outcomes) refuses with a
// healthbot.Error: the person sees its words, and only an internal one
// counts as our failure.
func TestFailureMessageShowsAHealthbotErrorsWords(t *testing.T) {
	t.Parallel()
	msg, ours := failureMessage(healthbot.Errorf(healthbot.EINVALID, "That menu no longer works."))
	require.Equal(t, "That menu no longer works.", msg.Text)
	require.False(t, ours, "a refused click is declined, not failed")

	msg, ours = failureMessage(healthbot.Wrap(errors.New("pq: connection refused"), "I could not save that just now. Please try again."))
	require.Equal(t, "I could not save that just now. Please try again.", msg.Text)
	require.True(t, ours)
}
