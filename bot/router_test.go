package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/bottest"
)

func TestRouterRefusesDuplicateAndEmptyRoutes(t *testing.T) {
	t.Parallel()
	r := NewRouter(RouterOptions{})
	r.Command("/health", echo)
	r.Action("pulse:", ActionFunc(nil))
	r.ViewSubmission("note", ActionFunc(nil))
	r.Event("app_home_opened", EventFunc(nil))
	r.Conversation(echo)
	require.Panics(t, func() { r.Command("/health", echo) })
	require.Panics(t, func() { r.Command("", echo) })
	require.Panics(t, func() { r.Action("pulse:", ActionFunc(nil)) })
	require.Panics(t, func() { r.ViewSubmission("note", ActionFunc(nil)) })
	require.Panics(t, func() { r.Event("app_home_opened", EventFunc(nil)) })
	require.Panics(t, func() { r.Conversation(echo) })
}

// TestRouterAcksWhatNobodyHandles: clicks on link buttons, shortcuts and
// unsubscribed events still get their 200, and nothing runs.
func TestRouterAcksWhatNobodyHandles(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, cb := range []slack.InteractionCallback{
		blockAction("open_dashboard_link", "", b.hooks.URL("link")),
		{Type: slack.InteractionTypeShortcut, CallbackID: "x"},
		{Type: slack.InteractionTypeViewSubmission, View: slack.View{CallbackID: "unknown"}},
		{Type: slack.InteractionTypeViewClosed, View: slack.View{CallbackID: "unknown"}},
	} {
		code, body := b.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
		require.Equal(t, http.StatusOK, code)
		require.Empty(t, body)
	}
	for i, inner := range []map[string]any{
		{"type": "app_mention", "user": "U1", "text": "<@UBOT> hi", "channel": "C1", "ts": "1.1"}, // no conversation handler
		{"type": "app_home_opened", "user": "U1", "tab": "home"},
		{"type": "made_up_event"},
	} {
		code, _ := b.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, fmt.Sprint("Ev", i), inner))
		require.Equal(t, http.StatusOK, code)
	}
	require.Equal(t, 0, b.router.runner.InFlight())
	require.Empty(t, b.hooks.Posts())
	require.Empty(t, b.slack.Calls(""))
}

func TestRouterDeliversDeleteOriginalWithoutText(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.router.Action("card:dismiss", ActionFunc(func(context.Context, Action) (Message, error) {
		return Message{DeleteOriginal: true}, nil
	}))
	code, _ := b.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, blockAction("card:dismiss", "", b.hooks.URL("del"))))
	require.Equal(t, http.StatusOK, code)
	require.True(t, b.hooks.WaitFor(t, "del").Message.DeleteOriginal)
}

// A database outage wrapped in a safe message was logged at INFO as
// "declined" (and the user's text with it): internal failures are ERROR and
// counted as failed, a user's mistake is declined, and the log carries ids
// and the command, never the text.
func TestRouterLogsFailuresAsOursAndNeverTheText(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.router.Command("/health", CommandFunc(func(_ context.Context, c Request) (Message, error) {
		if strings.Contains(c.Text, "outage") {
			return Message{}, healthbot.Wrap(errors.New("connection refused"), "I could not load that account just now. Please try again.")
		}
		return Message{}, healthbot.Errorf(healthbot.EINVALID, "Say which account.")
	}))
	code, _ := b.command(t, "outage: customer is about to sue us", "outage")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "I could not load that account just now. Please try again.", b.hooks.WaitFor(t, "outage").Message.Text)
	code, _ = b.command(t, "secret plans", "declined")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Say which account.", b.hooks.WaitFor(t, "declined").Message.Text)

	logs := b.logs.String()
	require.Regexp(t, `level=ERROR msg="slack handler failed" kind=command command=/health .*code=internal`, logs)
	require.Regexp(t, `level=INFO msg="slack handler declined" kind=command command=/health .*code=invalid`, logs)
	require.NotContains(t, logs, "sue us")
	require.NotContains(t, logs, "secret plans")
	// The outcome label follows the same branch as the log level.
}
