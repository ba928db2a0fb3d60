package harness_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest/harness"
)

func TestHarnessRunsAHandlerEndToEnd(t *testing.T) {
	t.Parallel()
	h := harness.New(t, func(r *bot.Router) {
		r.Command("/health", bot.CommandFunc(func(_ context.Context, req bot.Request) (bot.Message, error) {
			return bot.Message{Text: "card for " + req.Text}, nil
		}))
		r.Action("share", bot.ActionFunc(func(_ context.Context, act bot.Action) (bot.Message, error) {
			return bot.Message{Text: "shared " + act.Value, InChannel: true}, nil
		}))
	})
	code, body := h.Command(t, "acme", "card")
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body)
	require.Equal(t, "card for acme", h.Hooks.WaitFor(t, "card").Message.Text)

	code, _ = h.Interaction(t, slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U1"}, ResponseURL: h.Hooks.URL("share"),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: "share", Value: "42"}}},
	})
	require.Equal(t, http.StatusOK, code)
	h.Idle(t)
	post := h.Hooks.WaitFor(t, "share")
	require.Equal(t, "shared 42", post.Message.Text)
	require.Equal(t, slack.ResponseTypeInChannel, post.Message.ResponseType)
}
