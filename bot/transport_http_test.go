package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/bottest"
)

func TestHTTPRejectsBadSignaturesWith401(t *testing.T) {
	t.Parallel()
	b := setup(t)
	var called bool
	b.router.Command("/health", CommandFunc(func(context.Context, Request) (Message, error) {
		called = true
		return Message{}, nil
	}))
	body := bottest.CommandBody(bottest.Command("acme", b.hooks.URL("x")))
	for _, path := range []string{"/slack/commands", "/slack/interactivity", "/slack/events"} {
		t.Run(path, func(t *testing.T) {
			tampered := bottest.SignedRequest(t, b.base+path, testSecret, b.clock.Now(), bottest.FormContent, body)
			tampered.Body, tampered.ContentLength = http.NoBody, 0
			tampered = withBody(t, tampered, append([]byte("x"), body...))
			code, _ := b.send(t, tampered)
			require.Equal(t, http.StatusUnauthorized, code, "tampered body")

			code, _ = b.send(t, bottest.SignedRequest(t, b.base+path, "not-the-secret", b.clock.Now(), bottest.FormContent, body))
			require.Equal(t, http.StatusUnauthorized, code, "wrong secret")

			code, _ = b.send(t, bottest.SignedRequest(t, b.base+path, testSecret, b.clock.Now().Add(-6*time.Minute), bottest.FormContent, body))
			require.Equal(t, http.StatusUnauthorized, code, "stale timestamp")

			unsigned, err := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(string(body)))
			require.NoError(t, err)
			code, _ = b.send(t, unsigned)
			require.Equal(t, http.StatusUnauthorized, code, "unsigned")
		})
	}
	require.False(t, called, "no rejected request reaches a handler")
	require.Contains(t, b.logs.String(), "slack request rejected")
}

// withBody replaces req's body, keeping its (now wrong) signature.
func withBody(t *testing.T, req *http.Request, body []byte) *http.Request {
	t.Helper()
	r, err := http.NewRequest(req.Method, req.URL.String(), strings.NewReader(string(body)))
	require.NoError(t, err)
	r.Header = req.Header.Clone()
	return r
}

func TestHTTPRejectsOversizedBodyWith413(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, _ := b.post(t, "/slack/events", bottest.JSONContent, make([]byte, DefaultMaxBody+1))
	require.Equal(t, http.StatusRequestEntityTooLarge, code)
}

func TestHTTPAnswersURLVerification(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, body := b.post(t, "/slack/events", bottest.JSONContent,
		[]byte(`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`))
	require.Equal(t, http.StatusOK, code)
	var got map[string]string
	require.NoError(t, json.Unmarshal([]byte(body), &got))
	require.Equal(t, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", got["challenge"])
}

// TestHTTPSlashCommandAcksAtOnceThenAnswersAtResponseURL is the end-to-end
// path: the ack comes back while the handler is still working, and the
// handler's Message then arrives at the response_url.
func TestHTTPSlashCommandAcksAtOnceThenAnswersAtResponseURL(t *testing.T) {
	t.Parallel()
	b := setup(t)
	release := make(chan struct{})
	started := make(chan Request, 1)
	b.router.Command("/health", CommandFunc(func(ctx context.Context, req Request) (Message, error) {
		started <- req
		<-release
		return Message{Text: "card for " + req.Text, InChannel: true}, nil
	}))

	code, body := b.command(t, "  Acme Corp ", "cmd1")
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body, "the ack is an empty 200")
	require.Empty(t, b.hooks.Posts(), "nothing is posted before the handler finishes")

	req := <-started
	require.Equal(t, Request{UserID: "U1", UserName: "dana", TeamID: "T1", ChannelID: "C1", Command: "/health",
		Text: "Acme Corp", ResponseURL: b.hooks.URL("cmd1"), TriggerID: "13345224609.738474920.8088930838d88f008e0"}, req)
	close(release)

	post := b.hooks.WaitFor(t, "cmd1")
	require.Equal(t, "card for Acme Corp", post.Message.Text)
	require.Equal(t, slack.ResponseTypeInChannel, post.Message.ResponseType)
	require.False(t, post.Message.ReplaceOriginal)
}

func TestHTTPUnknownCommandGetsEphemeralAck(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, body := b.post(t, "/slack/commands", bottest.FormContent,
		bottest.CommandBody(slack.SlashCommand{Command: "/nope", UserID: "U1", ResponseURL: b.hooks.URL("n")}))
	require.Equal(t, http.StatusOK, code)
	require.JSONEq(t, `{"response_type":"ephemeral","text":"healthbot does not handle /nope yet."}`, body)
}

func TestHTTPHandlerFailuresGiveSafeMessages(t *testing.T) {
	t.Parallel()
	b := setup(t)
	b.router.Command("/health", CommandFunc(func(_ context.Context, req Request) (Message, error) {
		switch req.Text {
		case "panic":
			panic("nil map in the card renderer")
		case "unknown":
			return Message{}, healthbot.Errorf(healthbot.ENOTFOUND, "No account named %q.", "zzz")
		case "gone":
			return Message{}, healthbot.Errorf(healthbot.ENOTFOUND, "That account no longer exists.")
		case "down":
			return Message{}, healthbot.Wrap(errors.New("pool closed"), "I could not load that account just now.")
		default:
			return Message{}, errors.New(`pq: relation "acount" does not exist`)
		}
	}))
	for _, text := range []string{"panic", "unknown", "gone", "down", "sql"} {
		code, _ := b.command(t, text, text)
		require.Equal(t, http.StatusOK, code)
	}
	require.Equal(t, healthbot.InternalMessage, b.hooks.WaitFor(t, "panic").Message.Text)
	require.Equal(t, `No account named "zzz".`, b.hooks.WaitFor(t, "unknown").Message.Text)
	require.Equal(t, "That account no longer exists.", b.hooks.WaitFor(t, "gone").Message.Text)
	require.Equal(t, "I could not load that account just now.", b.hooks.WaitFor(t, "down").Message.Text, "a wrapped failure shows its safe message")
	sql := b.hooks.WaitFor(t, "sql")
	require.Equal(t, healthbot.InternalMessage, sql.Message.Text)
	require.NotContains(t, string(sql.Raw), "acount", "raw errors never reach Slack")
	require.Equal(t, slack.ResponseTypeEphemeral, sql.Message.ResponseType)

	logs := b.logs.String()
	require.Contains(t, logs, "nil map in the card renderer")
	require.Contains(t, logs, "goroutine", "a panic is logged with its stack")
	require.Contains(t, logs, `relation \"acount\" does not exist`)
	require.Regexp(t, `level=INFO msg="slack handler declined".*No account named.*code=not_found`, logs)
	// A healthbot.Error with a code other than internal is a request we
	// declined (INFO); a wrapped one is our failure (ERROR) with its cause.
	require.Regexp(t, `level=INFO msg="slack handler declined".*code=not_found`, logs)
	require.Regexp(t, `level=ERROR msg="slack handler failed".*pool closed.*code=internal`, logs)
}

func TestHTTPBlockActionRoutesByLongestPrefix(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := make(chan string, 2)
	b.router.Action("pulse:", ActionFunc(func(_ context.Context, act Action) (Message, error) {
		got <- "pulse " + act.ActionID
		return Message{}, nil
	}))
	b.router.Action("pulse:note", ActionFunc(func(_ context.Context, act Action) (Message, error) {
		got <- "note " + act.Value + " " + act.MessageTS + " " + act.ChannelID + " " + act.TriggerID
		return Message{Text: "noted", ReplaceOriginal: true}, nil
	}))
	cb := blockAction("pulse:note:acct-42", "acct-42", b.hooks.URL("click"))
	code, body := b.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body)
	require.Equal(t, "note acct-42 1700000000.000100 D1 trig-1", <-got)
	post := b.hooks.WaitFor(t, "click")
	require.Equal(t, "noted", post.Message.Text)
	require.True(t, post.Message.ReplaceOriginal)

	cb = blockAction("pulse:healthy:acct-42", "acct-42", b.hooks.URL("click2"))
	code, _ = b.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "pulse pulse:healthy:acct-42", <-got)
}

func blockAction(actionID, value, responseURL string) slack.InteractionCallback {
	return slack.InteractionCallback{
		Type:        slack.InteractionTypeBlockActions,
		User:        slack.User{ID: "U1", Name: "dana"},
		Team:        slack.Team{ID: "T1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "D1"}}},
		ResponseURL: responseURL,
		TriggerID:   "trig-1",
		Container:   slack.Container{Type: "message", MessageTs: "1700000000.000100", ChannelID: "D1"},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: actionID, BlockID: "b1", Type: "button", Value: value},
		}},
	}
}

func TestHTTPViewSubmissionClosesModalAndRunsHandler(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := make(chan Action, 1)
	b.router.ViewSubmission("pulse_note", ActionFunc(func(_ context.Context, act Action) (Message, error) {
		got <- act
		return Message{Text: "Note saved."}, nil
	}))
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission,
		User: slack.User{ID: "U1"}, Team: slack.Team{ID: "T1"}, TriggerID: "trig-2",
		View: slack.View{CallbackID: "pulse_note", PrivateMetadata: `{"account":"acct-42"}`},
	}
	code, body := b.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body, "an empty 200 closes the modal")
	act := <-got
	require.Equal(t, `{"account":"acct-42"}`, act.Value)
	require.Equal(t, "pulse_note", act.Callback.View.CallbackID)

	// No response_url: the note's confirmation goes to the user's DM with the app.
	call := b.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, "U1", call.Param("channel"))
	require.Equal(t, "Note saved.", call.Param("text"))
	require.Equal(t, "xoxb-test", call.Token())
}

func TestHTTPMentionAnswersInThreadOnceDespiteRetries(t *testing.T) {
	t.Parallel()
	b := setup(t)
	asked := make(chan Request, 2)
	b.router.Conversation(CommandFunc(func(_ context.Context, req Request) (Message, error) {
		asked <- req
		return Message{Text: "acme is green"}, nil
	}))
	body := bottest.EventBody(t, "Ev1", map[string]any{
		"type": "app_mention", "user": "U1", "text": "<@UBOT> how is acme?", "ts": "1700000001.000200",
		"channel": "C9", "event_ts": "1700000001.000200",
	})
	code, _ := b.post(t, "/slack/events", bottest.JSONContent, body)
	require.Equal(t, http.StatusOK, code)
	call := b.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, "C9", call.Param("channel"))
	require.Equal(t, "1700000001.000200", call.Param("thread_ts"), "answers in the mention's thread")
	require.Equal(t, "acme is green", call.Param("text"))
	req := <-asked
	require.Equal(t, "how is acme?", req.Text)
	require.Empty(t, req.Command)

	retry := bottest.SignedRequest(t, b.base+"/slack/events", testSecret, b.clock.Now(), bottest.JSONContent, body)
	retry.Header.Set("X-Slack-Retry-Num", "1")
	retry.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	code, _ = b.send(t, retry)
	require.Equal(t, http.StatusOK, code)
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, b.router.Close(ctx), "no job may be left running")
	require.Len(t, b.slack.Calls("chat.postMessage"), 1, "a retried event is not answered twice")
	require.Len(t, asked, 0)
}

func TestHTTPDirectMessageAnswersInDMAndIgnoresBots(t *testing.T) {
	t.Parallel()
	b := setup(t)
	asked := make(chan Request, 4)
	b.router.Conversation(CommandFunc(func(_ context.Context, req Request) (Message, error) {
		asked <- req
		return Message{Text: "renewals: 3"}, nil
	}))
	bot := bottest.EventBody(t, "Ev2", map[string]any{
		"type": "message", "channel_type": "im", "channel": "D1", "bot_id": "BBOT", "text": "renewals: 3", "ts": "1.1",
	})
	human := bottest.EventBody(t, "Ev3", map[string]any{
		"type": "message", "channel_type": "im", "channel": "D1", "user": "U1", "text": " renewals ", "ts": "1.2",
	})
	for _, body := range [][]byte{bot, human} {
		code, _ := b.post(t, "/slack/events", bottest.JSONContent, body)
		require.Equal(t, http.StatusOK, code)
	}
	call := b.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, "D1", call.Param("channel"))
	require.Empty(t, call.Param("thread_ts"), "a DM is answered in the DM, not a thread")
	require.Equal(t, Request{UserID: "U1", TeamID: "T1", ChannelID: "D1", Text: "renewals", SentTS: "1.2"}, <-asked)
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, b.router.Close(ctx))
	require.Len(t, asked, 0, "the bot's own message is not a question")
}

func TestHTTPEventsReachTheirHandlers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	got := make(chan Event, 2)
	b.router.Event("app_home_opened", EventFunc(func(_ context.Context, ev Event) error {
		got <- ev
		return nil
	}))
	b.router.Event("message", EventFunc(func(_ context.Context, ev Event) error {
		got <- ev
		return errors.New("channel not linked")
	}))
	code, _ := b.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, "Ev4", map[string]any{
		"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.3",
	}))
	require.Equal(t, http.StatusOK, code)
	ev := <-got
	require.Equal(t, "app_home_opened", ev.Type)
	require.Equal(t, "U1", ev.UserID)
	require.Equal(t, "Ev4", ev.EventID)
	_, ok := ev.Data.(*slackevents.AppHomeOpenedEvent)
	require.True(t, ok, "Data is the parsed slackevents value, got %T", ev.Data)

	code, _ = b.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, "Ev5", map[string]any{
		"type": "message", "channel_type": "channel", "channel": "C7", "user": "U2", "text": "acme churned", "ts": "1.4",
	}))
	require.Equal(t, http.StatusOK, code)
	ev = <-got
	require.Equal(t, "message", ev.Type)
	require.Equal(t, "C7", ev.ChannelID)

	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, b.router.Close(ctx))
	require.Contains(t, b.logs.String(), "channel not linked", "event handler errors are logged")
}

func TestHTTPBusyRouterSaysSoAndAsksForEventRetries(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *RouterOptions) { o.MaxInFlight = 1 })
	release := make(chan struct{})
	started := make(chan struct{})
	b.router.Command("/health", CommandFunc(func(context.Context, Request) (Message, error) {
		close(started)
		<-release
		return Message{Text: "done"}, nil
	}))
	b.router.Event("app_home_opened", EventFunc(func(context.Context, Event) error { return nil }))
	code, _ := b.command(t, "slow", "slow")
	require.Equal(t, http.StatusOK, code)
	<-started

	code, body := b.command(t, "fast", "fast")
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, body, BusyText)

	event := bottest.EventBody(t, "Ev6", map[string]any{"type": "app_home_opened", "user": "U1", "tab": "home"})
	code, _ = b.post(t, "/slack/events", bottest.JSONContent, event)
	require.Equal(t, http.StatusServiceUnavailable, code, "Slack retries a 503")

	close(release)
	b.hooks.WaitFor(t, "slow")
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, b.router.Idle(ctx))
	code, _ = b.post(t, "/slack/events", bottest.JSONContent, event)
	require.Equal(t, http.StatusOK, code, "the retry of an event we could not take is taken")
}

func TestHTTPSlowHandlerTimesOutWithASafeMessage(t *testing.T) {
	t.Parallel()
	b := setup(t, func(o *RouterOptions) { o.JobTimeout = 20 * time.Millisecond })
	b.router.Command("/health", CommandFunc(func(ctx context.Context, _ Request) (Message, error) {
		<-ctx.Done()
		return Message{}, fmt.Errorf("asking the model: %w", ctx.Err())
	}))
	code, _ := b.command(t, "why is acme red?", "slow")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, TimeoutText, b.hooks.WaitFor(t, "slow").Message.Text, "delivered although the job's context had ended")
	require.Contains(t, b.logs.String(), "asking the model: context deadline exceeded")
}

func TestHTTPAnswersSSLCheckAndRateLimitNotices(t *testing.T) {
	t.Parallel()
	b := setup(t)
	code, body := b.post(t, "/slack/commands", bottest.FormContent, []byte("ssl_check=1&token=legacy"))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, body)

	code, _ = b.post(t, "/slack/commands", bottest.FormContent, []byte("text=acme"))
	require.Equal(t, http.StatusBadRequest, code, "a signed body that is no command")

	code, _ = b.post(t, "/slack/events", bottest.JSONContent,
		[]byte(`{"token":"legacy","type":"app_rate_limited","team_id":"T1","minute_rate_limited":1518467820,"api_app_id":"A1"}`))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, b.logs.String(), "Slack is dropping events")
}
