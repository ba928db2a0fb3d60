package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

type respondBundle struct {
	slack *bottest.Slack
	hooks *bottest.Catcher
	clock *bottest.Clock
}

func setupResponder(t *testing.T) (*SlackResponder, respondBundle) {
	t.Helper()
	b := respondBundle{slack: bottest.NewSlack(t, nil), hooks: bottest.NewCatcher(t), clock: newTestClock()}
	api := NewSlackClient(SlackConfig{BotToken: "xoxb-test", APIURL: b.slack.APIURL()}, discardLogger())
	r := NewSlackResponder(api, nil, b.clock.Now, discardLogger())
	r.retry.Sleep = func(context.Context, time.Duration) error { return nil }
	return r, b
}

func TestRespondUsesResponseURLFiveTimesThenTheWebAPI(t *testing.T) {
	t.Parallel()
	r, b := setupResponder(t)
	req := Request{UserID: "U1", ChannelID: "C1", Command: "/health", ResponseURL: b.hooks.URL("r")}
	r.Received(req)
	for i := range ResponseURLUses {
		require.NoError(t, r.Respond(context.Background(), req, Message{Text: fmt.Sprint("page ", i+1)}))
	}
	require.Len(t, b.hooks.Posts(), ResponseURLUses)

	require.NoError(t, r.Respond(context.Background(), req, Message{Text: "page 6"}))
	require.Len(t, b.hooks.Posts(), ResponseURLUses, "a sixth use is not attempted")
	call := b.slack.WaitCalls(t, "chat.postEphemeral", 1)[0]
	require.Equal(t, "C1", call.Param("channel"))
	require.Equal(t, "U1", call.Param("user"))
	require.Equal(t, "page 6", call.Param("text"))
}

func TestRespondFallsBackAfterThirtyMinutes(t *testing.T) {
	t.Parallel()
	r, b := setupResponder(t)
	req := Request{UserID: "U1", ChannelID: "C1", ResponseURL: b.hooks.URL("late")}
	r.Received(req)
	b.clock.Advance(ResponseURLLife - time.Second)
	require.NoError(t, r.Respond(context.Background(), req, Message{Text: "in time"}))
	b.clock.Advance(time.Second)
	require.NoError(t, r.Respond(context.Background(), req, Message{Text: "too late", InChannel: true}))

	require.Len(t, b.hooks.Posts(), 1)
	call := b.slack.WaitCalls(t, "chat.postMessage", 1)[0]
	require.Equal(t, "too late", call.Param("text"))
	require.Equal(t, "C1", call.Param("channel"), "an in-channel answer is posted to the channel")
}

func TestRespondMapsMessageFlagsToResponseURL(t *testing.T) {
	t.Parallel()
	r, b := setupResponder(t)
	blocks := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Acme* 72", false, false), nil, nil)}
	cases := map[string]Message{
		"eph":     {Text: "a"},
		"chan":    {Text: "b", InChannel: true, Blocks: blocks},
		"replace": {Text: "c", ReplaceOriginal: true},
		"delete":  {DeleteOriginal: true},
	}
	for name, msg := range cases {
		require.NoError(t, r.Respond(context.Background(), Request{ResponseURL: b.hooks.URL(name)}, msg))
	}
	eph := b.hooks.WaitFor(t, "eph").Message
	require.Equal(t, slack.ResponseTypeEphemeral, eph.ResponseType)
	require.Nil(t, eph.Blocks)
	ch := b.hooks.WaitFor(t, "chan").Message
	require.Equal(t, slack.ResponseTypeInChannel, ch.ResponseType)
	require.Len(t, ch.Blocks.BlockSet, 1)
	require.True(t, b.hooks.WaitFor(t, "replace").Message.ReplaceOriginal)
	require.True(t, b.hooks.WaitFor(t, "delete").Message.DeleteOriginal)
}

func TestRespondWithoutResponseURLPostsInThreadOrDM(t *testing.T) {
	t.Parallel()
	r, b := setupResponder(t)
	require.NoError(t, r.Respond(context.Background(), Request{UserID: "U1", ChannelID: "C9", ThreadTS: "1.5"}, Message{Text: "threaded"}))
	require.NoError(t, r.Respond(context.Background(), Request{UserID: "U2"}, Message{Text: "to the DM"}))
	require.Error(t, r.Respond(context.Background(), Request{}, Message{Text: "nowhere"}))

	calls := b.slack.WaitCalls(t, "chat.postMessage", 2)
	require.Equal(t, []string{"C9", "1.5"}, []string{calls[0].Param("channel"), calls[0].Param("thread_ts")})
	require.Equal(t, "U2", calls[1].Param("channel"))
}

func TestRespondRetriesRateLimitedResponseURL(t *testing.T) {
	t.Parallel()
	r, b := setupResponder(t)
	b.hooks.SetStatus(http.StatusTooManyRequests)
	var waits []time.Duration
	r.retry.Sleep = func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		b.hooks.SetStatus(http.StatusOK) // Slack lets the retry through
		return nil
	}
	require.NoError(t, r.Respond(context.Background(), Request{ResponseURL: b.hooks.URL("busy")}, Message{Text: "x"}))
	require.Len(t, b.hooks.Posts(), 2)
	require.Equal(t, []time.Duration{time.Second}, waits)
}

// A message with a fallback is re-sent with it when Slack refuses its
// blocks, through a response_url (400) and through the Web API
// (invalid_blocks); without a fallback the refusal is returned.
func TestRespondSendsTheFallbackWhenSlackRefusesTheBlocks(t *testing.T) {
	t.Parallel()
	chart := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "chart", false, false), nil, nil)}
	spark := []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "▁▂▃", false, false), nil, nil)}
	msg := Message{Text: "Acme", Blocks: chart, Fallback: spark}

	// response_url: the first post gets a 400, the fallback a 200.
	r, b := setupResponder(t)
	b.hooks.RefuseBlocksWith(`"chart"`)
	require.NoError(t, r.Respond(context.Background(), Request{ResponseURL: b.hooks.URL("card")}, msg))
	posts := b.hooks.Posts()
	require.Len(t, posts, 2)
	require.Contains(t, mustMarshal(t, posts[1].Message.Blocks), "▁▂▃")

	// Web API: invalid_blocks for the chart, ok for the sparkline.
	api := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.postMessage" && strings.Contains(c.Param("blocks"), `"chart"`) {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "invalid_blocks"}}
		}
		return nil
	})
	r2 := NewSlackResponder(NewSlackClient(SlackConfig{BotToken: "xoxb-test", APIURL: api.APIURL()}, discardLogger()), nil, nil, discardLogger())
	require.NoError(t, r2.Respond(context.Background(), Request{UserID: "U1", ChannelID: "C1"}, msg))
	calls := api.WaitCalls(t, "chat.postMessage", 2)
	require.Contains(t, calls[1].Param("blocks"), "▁▂▃")

	noFallback := msg
	noFallback.Fallback = nil
	require.Error(t, r2.Respond(context.Background(), Request{UserID: "U1", ChannelID: "C1"}, noFallback))
}

func mustMarshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
