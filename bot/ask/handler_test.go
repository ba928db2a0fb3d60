package ask_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/health"
)

const signingSecret = "ask-e2e-signing-secret-0123456789"

// slackWorld is the real HTTP transport, router and /health handler with
// the question Handler plugged in, a fake Slack Web API and a response_url
// catcher.
type slackWorld struct {
	bundle
	base   string
	slack  *bottest.Slack
	hooks  *bottest.Catcher
	router *bot.Router
}

func setupSlack(t *testing.T, o options) slackWorld {
	t.Helper()
	b := setup(t, o)
	fake := bottest.NewSlack(t, o.slackReply)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	responder := bot.NewSlackResponder(api, nil, nil, log)
	router := bot.NewRouter(bot.RouterOptions{Logger: log, Responder: responder})
	health := health.NewHealth(b.st, log, func() time.Time { return now })
	h := &ask.Handler{Asker: b.asker, Respond: responder, Chat: api, Log: log, Now: func() time.Time { return now }}
	health.Questioner = h
	if o.assistant {
		h.Assistant, h.Store = api, b.st
		router.Event(ask.EventThreadStarted, h)
		router.Event(ask.EventThreadContextChanged, h)
		router.Action(ask.FeedbackAction, h)
	}
	router.Command("/health", health)
	router.Conversation(health)
	mux := http.NewServeMux()
	bot.NewHTTPTransport(router, signingSecret, bot.HTTPOptions{}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		require.NoError(t, router.Close(ctx))
	})
	return slackWorld{bundle: b, base: srv.URL, slack: fake, hooks: bottest.NewCatcher(t), router: router}
}

func (w slackWorld) post(t *testing.T, path, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, w.base+path, signingSecret, time.Now(), contentType, body))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestSlashCommandQuestionThinksThenReplaces(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{script: []step{
		callTools(call{"search_accounts", strings.Replace(nullSearch, `"band":null`, `"band":"red"`, 1)}),
		say("Only **Acme Logistics** is red (score 30)."),
	}})
	code, ack := w.post(t, "/slack/commands", bottest.FormContent,
		bottest.CommandBody(bottest.Command("which accounts are red and why", w.hooks.URL("q1"))))
	require.Equal(t, http.StatusOK, code)
	require.Empty(t, strings.TrimSpace(ack), "acknowledged at once, with nothing")

	posts := w.hooks.Wait(t, 2)
	require.Equal(t, ask.ThinkingText, posts[0].Message.Text)
	require.Equal(t, "ephemeral", posts[0].Message.ResponseType)
	answer := posts[1].Message
	require.True(t, answer.ReplaceOriginal, "the answer replaces the thinking status")
	require.Equal(t, "ephemeral", answer.ResponseType)
	require.Contains(t, answer.Text, "Only Acme Logistics is red (score 30).")
	raw := string(posts[1].Raw)
	require.Contains(t, raw, "Based on: *Acme Logistics* (score 30, red)")
	require.Contains(t, raw, `"action_id":"health_open_card"`)
	require.Len(t, w.model.requests(), 2)
}

func TestSlashCommandQuestionFailureReplacesThinking(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{script: []step{status(http.StatusInternalServerError)}})
	w.post(t, "/slack/commands", bottest.FormContent,
		bottest.CommandBody(bottest.Command("which accounts have the most seats per admin", w.hooks.URL("q2"))))
	posts := w.hooks.Wait(t, 2)
	require.Equal(t, ask.ThinkingText, posts[0].Message.Text)
	require.True(t, posts[1].Message.ReplaceOriginal)
	require.Equal(t, "The language model isn't answering right now (HTTP 500). Please try again in a few minutes.", posts[1].Message.Text)
}

func TestMentionQuestionThinksInThreadThenUpdates(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{script: []step{
		callTools(call{"portfolio_summary", `{"group_by":"segment","segment":null}`}),
		say("Enterprise averages 55 and SMB 48.5."),
	}})
	body := bottest.EventBody(t, "EvAsk1", map[string]any{
		"type": "app_mention", "user": "UDANA", "text": "<@UBOT> how do the segments compare on health?",
		"ts": "1700000001.000200", "channel": "C9", "event_ts": "1700000001.000200",
	})
	code, _ := w.post(t, "/slack/events", bottest.JSONContent, body)
	require.Equal(t, http.StatusOK, code)

	upd := w.slack.WaitCalls(t, "chat.update", 1)[0]
	posted := w.slack.Calls("chat.postMessage")
	require.Len(t, posted, 1, "one message in the thread: the status, turned into the answer")
	require.Equal(t, ask.ThinkingText, posted[0].Param("text"))
	require.Equal(t, "C9", posted[0].Param("channel"))
	require.Equal(t, "1700000001.000200", posted[0].Param("thread_ts"))
	require.Equal(t, "C9", upd.Param("channel"))
	require.Equal(t, "1700000000.000001", upd.Param("ts"), "the status message is the one updated")
	require.Equal(t, "Enterprise averages 55 and SMB 48.5.", upd.Param("text"))
	var blocks []map[string]any
	require.NoError(t, json.Unmarshal([]byte(upd.Param("blocks")), &blocks))
	require.Equal(t, "section", blocks[0]["type"])
	require.Len(t, w.model.requests(), 2)
}

func TestQuestionsWithoutModelAnswerAtOnce(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{})
	w.post(t, "/slack/commands", bottest.FormContent,
		bottest.CommandBody(bottest.Command("who renews in the next 30 days?", w.hooks.URL("q3"))))
	post := w.hooks.Wait(t, 1)[0]
	require.False(t, post.Message.ReplaceOriginal, "no status to replace")
	require.Contains(t, post.Message.Text, "2 accounts renew in the next month")
}
