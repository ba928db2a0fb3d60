package ask_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/store"
)

const (
	paneChannel = "DPANE1"
	paneThread  = "1700000100.000100"
)

// startThread opens the assistant pane from channel CACME, linked to Acme.
func startThread(t *testing.T, w slackWorld) {
	t.Helper()
	require.NoError(t, w.st.LinkChannel(context.Background(), "CACME", w.fx.IDs["acme"], now))
	code, _ := w.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, "EvPane1", map[string]any{
		"type": "assistant_thread_started", "event_ts": "1700000100.000200",
		"assistant_thread": map[string]any{
			"user_id": "UDANA", "channel_id": paneChannel, "thread_ts": paneThread,
			"context": map[string]any{"channel_id": "CACME", "team_id": "T1"},
		},
	}))
	require.Equal(t, http.StatusOK, code)
}

// askInPane sends a DM in the assistant thread.
func askInPane(t *testing.T, w slackWorld, id, text string) {
	t.Helper()
	code, _ := w.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, id, map[string]any{
		"type": "message", "channel_type": "im", "user": "UDANA", "text": text, "team": "T1",
		"ts": "1700000101.000100", "thread_ts": paneThread, "channel": paneChannel, "event_ts": "1700000101.000100",
	}))
	require.Equal(t, http.StatusOK, code)
}

// longAnswer is more than one stream chunk.
var longAnswer = "**Acme Logistics** is red (score 30, down from 60 in 28 days). " +
	strings.Repeat("Only 4 of 40 seats are active, the weakest usage among Enterprise peers. ", 6) +
	"\n\nThe champion left and the budget was cut, per the last pulse."

func methods(calls []bottest.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Method)
	}
	return out
}

func TestAssistantThreadEndToEnd(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{pool: true, assistant: true, script: []step{
		callTools(call{"get_account", `{"account":"Acme Logistics"}`}),
		say(longAnswer),
	}})

	// A new thread: four prompts from Dana's own accounts, Acme the subject.
	startThread(t, w)
	sp := w.slack.WaitCalls(t, "assistant.threads.setSuggestedPrompts", 1)[0]
	require.Equal(t, paneChannel, sp.Param("channel_id"))
	require.Equal(t, paneThread, sp.Param("thread_ts"))
	var prompts []slack.AssistantThreadsPrompt
	require.NoError(t, json.Unmarshal([]byte(sp.Param("prompts")), &prompts))
	var msgs []string
	for _, p := range prompts {
		msgs = append(msgs, p.Message)
	}
	require.Equal(t, []string{
		"Which of my renewals in the next 60 days are at risk?",
		"Why did Acme Logistics drop?",
		"How is Acme Logistics doing, and why?",
		"Which of my accounts have open alerts?",
	}, msgs)

	// A question: title, status lines, tool calls, the answer streamed.
	askInPane(t, w, "EvPane2", "why is it red?")
	stop := w.slack.WaitCalls(t, "chat.stopStream", 1)[0]
	var seq []string
	for _, m := range methods(w.slack.Calls("")) {
		if strings.HasPrefix(m, "assistant.threads.") || strings.HasPrefix(m, "chat.") {
			seq = append(seq, m)
		}
	}
	appends := len(w.slack.Calls("chat.appendStream"))
	require.GreaterOrEqual(t, appends, 1, "a long answer takes more than one chunk")
	want := []string{"assistant.threads.setSuggestedPrompts", "assistant.threads.setTitle",
		"assistant.threads.setStatus", "assistant.threads.setStatus", "chat.startStream"}
	for range appends {
		want = append(want, "chat.appendStream")
	}
	require.Equal(t, append(want, "chat.stopStream"), seq)

	title := w.slack.Calls("assistant.threads.setTitle")[0]
	require.Equal(t, "why is it red?", title.Param("title"))
	statuses := w.slack.Calls("assistant.threads.setStatus")
	require.Equal(t, "is reading your accounts…", statuses[0].Param("status"))
	require.Contains(t, statuses[0].Param("loading_messages"), "Reading health scores…")
	require.Equal(t, "is reading an account card…", statuses[1].Param("status"))
	require.Empty(t, w.slack.Calls("chat.postMessage"), "no thinking… post in the pane")

	start := w.slack.Calls("chat.startStream")[0]
	require.Equal(t, paneChannel, start.Param("channel"))
	require.Equal(t, paneThread, start.Param("thread_ts"))
	require.Equal(t, "UDANA", start.Param("recipient_user_id"))
	var streamed strings.Builder
	streamed.WriteString(start.Param("markdown_text"))
	streamTS := stop.Param("ts")
	require.NotEmpty(t, streamTS)
	for _, a := range w.slack.Calls("chat.appendStream") {
		require.Equal(t, streamTS, a.Param("ts"), "appends go to the started stream")
		streamed.WriteString(a.Param("markdown_text"))
	}
	require.Equal(t, longAnswer, streamed.String())
	blocks := stop.Param("blocks")
	require.Contains(t, blocks, "Based on: *Acme Logistics* (score 30, red)", "citations arrive with the last call")
	require.Contains(t, blocks, `"action_id":"health_open_card"`)
	require.Contains(t, blocks, `"type":"context_actions"`)
	require.Contains(t, blocks, `"type":"feedback_buttons"`)

	// The model knew the thread's subject.
	require.Contains(t, w.model.requests()[0].Messages[0].Content, `linked to the account "Acme Logistics"`)

	// Thumbs up: stored with the question, the tools and the model.
	var fb struct {
		Elements []struct {
			ActionID       string `json:"action_id"`
			PositiveButton struct {
				Value string `json:"value"`
			} `json:"positive_button"`
		} `json:"elements"`
		Type string `json:"type"`
	}
	var all []json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(blocks), &all))
	require.NoError(t, json.Unmarshal(all[len(all)-1], &fb))
	require.Equal(t, "context_actions", fb.Type)
	require.Equal(t, ask.FeedbackAction, fb.Elements[0].ActionID)
	up := fb.Elements[0].PositiveButton.Value
	require.True(t, strings.HasPrefix(up, "up:"), up)
	vote(t, w, up)

	byModel, byTool := stats(t, w.st)
	require.Equal(t, []store.AskStatRow{{Model: "test-model", Surface: ask.SurfaceAssistant, Answers: 1, Up: 1}}, byModel)
	require.Equal(t, []store.AskStatRow{{Tool: "get_account", Answers: 1, Up: 1}}, byTool)

	// A second question keeps the title.
	askInPane(t, w, "EvPane3", "and what about its renewal?")
	w.slack.WaitCalls(t, "chat.stopStream", 2)
	require.Len(t, w.slack.Calls("assistant.threads.setTitle"), 1)
}

// refusingStreams is a Slack that refuses chat.startStream, and a model
// that looks Acme up and answers in one line.
func refusingStreams(t *testing.T) slackWorld {
	t.Helper()
	refuse := func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.startStream" {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "not_allowed"}}
		}
		return nil
	}
	return setupSlack(t, options{pool: true, assistant: true, slackReply: refuse, script: []step{
		callTools(call{"get_account", `{"account":"Acme Logistics"}`}),
		say("**Acme Logistics** is red (score 30)."),
	}})
}

func TestAssistantPostsWholeWhenStreamingIsRefused(t *testing.T) {
	t.Parallel()
	w := refusingStreams(t)
	startThread(t, w)
	w.slack.WaitCalls(t, "assistant.threads.setSuggestedPrompts", 1)
	askInPane(t, w, "EvPane4", "how is acme?")

	post := w.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, paneChannel, post.Param("channel"))
	require.Equal(t, paneThread, post.Param("thread_ts"))
	require.Contains(t, post.Param("text"), "Acme Logistics is red (score 30).")
	require.Contains(t, post.Param("blocks"), "Based on: *Acme Logistics* (score 30, red)")
	require.Contains(t, post.Param("blocks"), `"type":"feedback_buttons"`)
	require.Empty(t, w.slack.Calls("chat.appendStream"))
	require.Empty(t, w.slack.Calls("chat.stopStream"))

	byModel, _ := stats(t, w.st)
	require.Len(t, byModel, 1)
	require.EqualValues(t, 1, byModel[0].Answers)
}

func TestSlashAnswersEndWithFeedback(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{pool: true, assistant: true})
	w.post(t, "/slack/commands", bottest.FormContent,
		bottest.CommandBody(bottest.Command("who renews in the next 30 days?", w.hooks.URL("fb1"))))
	post := w.hooks.Wait(t, 1)[0]
	raw := string(post.Raw)
	require.Contains(t, raw, `"type":"feedback_buttons"`)
	i := strings.Index(raw, `"value":"down:`)
	require.Positive(t, i)
	down := raw[i+len(`"value":"`) : i+len(`"value":"`)+strings.Index(raw[i+len(`"value":"`):], `"`)]
	vote(t, w, down)
	vote(t, w, down) // a second click changes nothing
	byModel, byTool := stats(t, w.st)
	require.Equal(t, []store.AskStatRow{{Model: "", Surface: ask.SurfaceCommand, Answers: 1, Down: 1}}, byModel)
	require.Equal(t, []store.AskStatRow{{Tool: "builtin", Answers: 1, Down: 1}}, byTool)
}

func vote(t *testing.T, w slackWorld, value string) {
	t.Helper()
	before := len(w.slack.Calls(""))
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "UDANA"}, Team: slack.Team{ID: "T1"},
		Channel:   slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: paneChannel}}},
		Container: slack.Container{MessageTs: "1700000000.000002"},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
			{ActionID: ask.FeedbackAction, BlockID: "ask_feedback", Value: value},
		}},
	}
	code, _ := w.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb))
	require.Equal(t, http.StatusOK, code)
	require.NoError(t, w.router.Idle(context.Background()))
	require.Len(t, w.slack.Calls(""), before, "a vote posts nothing")
}

func stats(t *testing.T, st *store.Store) (byModel, byTool []store.AskStatRow) {
	t.Helper()
	byModel, byTool, err := st.AskStats(context.Background(), today.AddDate(0, 0, -30))
	require.NoError(t, err)
	return byModel, byTool
}

// A built-in answer in the pane streams too: one start with the whole
// text (its mrkdwn bold as Markdown bold), then the stop carrying the
// citations, the card buttons and the feedback buttons.
func TestAssistantWithoutModelStreamsTheBuiltinAnswer(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{pool: true, assistant: true})
	startThread(t, w)
	w.slack.WaitCalls(t, "assistant.threads.setSuggestedPrompts", 1)
	askInPane(t, w, "EvPane5", "who renews in the next 30 days?")

	stop := w.slack.WaitCalls(t, "chat.stopStream", 1)[0]
	start := w.slack.Calls("chat.startStream")[0]
	require.Equal(t, paneChannel, start.Param("channel"))
	require.Equal(t, paneThread, start.Param("thread_ts"))
	require.Contains(t, start.Param("markdown_text"), "**2 accounts renew in the next month**")
	require.Equal(t, []string{"chat.startStream", "chat.stopStream"}, chatCalls(w), "short: no appends, nothing posted")
	blocks := stop.Param("blocks")
	require.Contains(t, blocks, "Based on:", "citations arrive with the last call")
	require.Contains(t, blocks, `"action_id":"health_open_card"`)
	require.Contains(t, blocks, `"type":"feedback_buttons"`)
	require.NotContains(t, blocks, "2 accounts renew", "the text is not repeated in the blocks")
	require.Equal(t, "is reading your accounts…", w.slack.Calls("assistant.threads.setStatus")[0].Param("status"))
	_, byTool := stats(t, w.st)
	require.Equal(t, []store.AskStatRow{{Tool: "builtin", Answers: 1}}, byTool)
}

// chatCalls are the chat.* methods called, in order.
func chatCalls(w slackWorld) []string {
	var out []string
	for _, m := range methods(w.slack.Calls("")) {
		if strings.HasPrefix(m, "chat.") {
			out = append(out, m)
		}
	}
	return out
}

const dmChannel, dmTS = "DTOP1", "1700000200.000100"

// askInDM sends a top-level DM (no thread) to the bot.
func askInDM(t *testing.T, w slackWorld, id, text string) {
	t.Helper()
	code, _ := w.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, id, map[string]any{
		"type": "message", "channel_type": "im", "user": "UDANA", "text": text, "team": "T1",
		"ts": dmTS, "channel": dmChannel, "event_ts": dmTS,
	}))
	require.Equal(t, http.StatusOK, code)
}

// A model's answer to a top-level DM streams as a thread reply to the
// user's message (a stream must be a reply): start, appends, stop, in
// order, nothing posted or edited.
func TestTopLevelDMAnswerStreamsAsAReply(t *testing.T) {
	t.Parallel()
	w := setupSlack(t, options{pool: true, assistant: true, script: []step{
		callTools(call{"get_account", `{"account":"Acme Logistics"}`}),
		say(longAnswer),
	}})
	askInDM(t, w, "EvDM1", "why is acme red?")
	stop := w.slack.WaitCalls(t, "chat.stopStream", 1)[0]
	appends := len(w.slack.Calls("chat.appendStream"))
	require.GreaterOrEqual(t, appends, 1)
	want := []string{"chat.startStream"}
	for range appends {
		want = append(want, "chat.appendStream")
	}
	require.Equal(t, append(want, "chat.stopStream"), chatCalls(w), "no thinking… post, no edit")
	start := w.slack.Calls("chat.startStream")[0]
	require.Equal(t, dmChannel, start.Param("channel"))
	require.Equal(t, dmTS, start.Param("thread_ts"), "a reply to the question")
	var streamed strings.Builder
	streamed.WriteString(start.Param("markdown_text"))
	for _, a := range w.slack.Calls("chat.appendStream") {
		require.Equal(t, stop.Param("ts"), a.Param("ts"))
		streamed.WriteString(a.Param("markdown_text"))
	}
	require.Equal(t, longAnswer, streamed.String())
	require.Contains(t, stop.Param("blocks"), "Based on: *Acme Logistics* (score 30, red)")
	require.Contains(t, stop.Param("blocks"), `"type":"feedback_buttons"`)
	require.Empty(t, w.slack.Calls("assistant.threads.setStatus"), "not an assistant thread")
	byModel, _ := stats(t, w.st)
	require.Equal(t, []store.AskStatRow{{Model: "test-model", Surface: ask.SurfaceDM, Answers: 1}}, byModel)
}

// Where Slack refuses the stream, the answer is posted whole where the
// question was asked, as before streaming.
func TestTopLevelDMPostsWholeWhenStreamingIsRefused(t *testing.T) {
	t.Parallel()
	w := refusingStreams(t)
	askInDM(t, w, "EvDM2", "how is acme?")
	post := w.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, dmChannel, post.Param("channel"))
	require.Empty(t, post.Param("thread_ts"), "at top level, where the question was")
	require.Contains(t, post.Param("blocks"), "Based on: *Acme Logistics* (score 30, red)")
	require.Contains(t, post.Param("blocks"), `"type":"feedback_buttons"`)
	require.Equal(t, []string{"chat.startStream", "chat.postMessage"}, chatCalls(w))
}
