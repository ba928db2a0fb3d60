package ask

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/store"
)

// AssistantAPI is Slack's AI-app surface and message streaming;
// *slack.Client has it.
type AssistantAPI interface {
	SetAssistantThreadsSuggestedPromptsContext(ctx context.Context, params slack.AssistantThreadsSetSuggestedPromptsParameters) error
	SetAssistantThreadsStatusContext(ctx context.Context, params slack.AssistantThreadsSetStatusParameters) error
	SetAssistantThreadsTitleContext(ctx context.Context, params slack.AssistantThreadsSetTitleParameters) error
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	StartStreamContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	AppendStreamContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, error)
	StopStreamContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, error)
}

var _ AssistantAPI = (*slack.Client)(nil)

// Records is what the handler stores; *store.Store has it.
type Records interface {
	SaveAskThread(ctx context.Context, t store.AskThread) error
	AskThread(ctx context.Context, channelID, threadTS string) (store.AskThread, error)
	ClaimAskThreadTitle(ctx context.Context, channelID, threadTS string) (bool, error)
	ChannelAccount(ctx context.Context, channelID string) (store.ChannelLink, error)
	RecordAskAnswer(ctx context.Context, r store.AskAnswerRecord) (int64, error)
	VoteAskAnswer(ctx context.Context, answerID int64, userID string, helpful bool, at time.Time) error
}

var _ Records = (*store.Store)(nil)

// Surfaces an answer is given on, as answers are recorded.
const (
	SurfaceCommand   = "command"
	SurfaceMention   = "mention"
	SurfaceDM        = "dm"
	SurfaceAssistant = "assistant"
)

// FeedbackAction is the action id of the thumbs up/down under answers;
// the value is "up:<answer id>" or "down:<answer id>".
const FeedbackAction = "ask_feedback"

// Event types the handler takes (register it with bot.Router.Event).
const (
	EventThreadStarted        = "assistant_thread_started"
	EventThreadContextChanged = "assistant_thread_context_changed"
)

// Status lines while the loop works; each tool has its own.
var (
	statusThinking = "is reading your accounts…"
	loadingLines   = []string{"Reading health scores…", "Checking renewals and alerts…", "Looking at CSM pulses…"}
	toolStatus     = map[string]string{
		"search_accounts":   "is searching accounts…",
		"get_account":       "is reading an account card…",
		"score_history":     "is looking at score history…",
		"list_alerts":       "is checking alerts…",
		"list_pulses":       "is reading CSM pulses…",
		"portfolio_summary": "is summing up the portfolio…",
		"metrics":           "is looking up the metrics…",
	}
)

// streamChunk is about how much text one chat.appendStream carries.
const streamChunk = 300

func surfaceOf(req bot.Request) string {
	switch {
	case req.ResponseURL != "":
		return SurfaceCommand
	case isDM(req.ChannelID):
		return SurfaceDM
	}
	return SurfaceMention
}

// isDM: Slack's direct-message channel ids start with D.
func isDM(channelID string) bool { return strings.HasPrefix(channelID, "D") }

// HandleEvent takes assistant_thread_started (suggested prompts from the
// user's own accounts) and assistant_thread_context_changed (the channel
// the pane is looking at, whose linked account becomes the default
// subject).
func (h *Handler) HandleEvent(ctx context.Context, ev bot.Event) error {
	var th slackevents.AssistantThread
	started := false
	switch d := ev.Data.(type) {
	case *slackevents.AssistantThreadStartedEvent:
		th, started = d.AssistantThread, true
	case slackevents.AssistantThreadStartedEvent:
		th, started = d.AssistantThread, true
	case *slackevents.AssistantThreadContextChangedEvent:
		th = d.AssistantThread
	case slackevents.AssistantThreadContextChangedEvent:
		th = d.AssistantThread
	default:
		return fmt.Errorf("ask: event %s is not an assistant thread event", ev.Type)
	}
	if th.ChannelID == "" || th.ThreadTimeStamp == "" {
		return errors.New("ask: assistant thread event without channel or thread")
	}
	t := store.AskThread{ChannelID: th.ChannelID, ThreadTS: th.ThreadTimeStamp, UserID: th.UserID,
		ContextChannelID: th.Context.ChannelID, StartedAt: h.now()}
	if h.Store != nil {
		if th.Context.ChannelID != "" {
			link, err := h.Store.ChannelAccount(ctx, th.Context.ChannelID)
			switch {
			case err == nil:
				t.AccountID, t.AccountName = link.AccountID, link.AccountName
			case !errors.Is(err, store.ErrNotFound):
				return err
			}
		}
		if err := h.Store.SaveAskThread(ctx, t); err != nil {
			return err
		}
	}
	if !started || h.Assistant == nil {
		return nil
	}
	prompts, err := h.Asker.SuggestedPrompts(ctx, th.UserID, t.AccountName)
	if err != nil {
		return err
	}
	params := slack.AssistantThreadsSetSuggestedPromptsParameters{ChannelID: th.ChannelID, ThreadTS: th.ThreadTimeStamp, Title: "Ask about your accounts, for example:"}
	for _, p := range prompts {
		params.Prompts = append(params.Prompts, slack.AssistantThreadsPrompt{Title: p.Title, Message: p.Message})
	}
	return h.Assistant.SetAssistantThreadsSuggestedPromptsContext(ctx, params)
}

// askInThread answers in a DM thread: an assistant thread (status while
// the loop works, a title from the first question, the thread's subject)
// or a plain DM thread, the answer streamed where Slack allows it and
// posted whole where it does not. A top-level DM (no ThreadTS) is answered
// as a thread reply to the user's message (SentTS), since a stream must
// be a reply; when Slack refuses the stream, the answer is posted whole
// where the question was, as before.
func (h *Handler) askInThread(ctx context.Context, req bot.Request, q Question) (bot.Message, error) {
	surface := SurfaceDM
	var assistant bool
	if h.Store != nil && req.ThreadTS != "" {
		t, err := h.Store.AskThread(ctx, req.ChannelID, req.ThreadTS)
		switch {
		case err == nil:
			assistant, surface, q.Subject = true, SurfaceAssistant, t.AccountName
		case !errors.Is(err, store.ErrNotFound):
			h.log().Warn("could not read the assistant thread", "channel", req.ChannelID, "err", err)
		}
	}
	if assistant {
		h.title(ctx, req)
		st := &statusLine{h: h, channel: req.ChannelID, thread: req.ThreadTS}
		st.set(ctx, statusThinking, loadingLines)
		q.OnTool = func(tool string) { st.set(ctx, toolStatus[tool], nil) }
	}
	res, err := h.Asker.AnswerResult(ctx, q)
	if err != nil {
		if assistant {
			h.clearStatus(ctx, req)
		}
		return failure(err), nil
	}
	id := h.record(ctx, req, surface, q, res, true)
	streamTo := req
	streamTo.ThreadTS = cmp.Or(req.ThreadTS, req.SentTS)
	if h.stream(ctx, streamTo, res, h.feedbackBlocks(id)) {
		return bot.Message{}, nil
	}
	if assistant {
		h.clearStatus(ctx, req)
	}
	return appendBlocks(res.Message, h.feedbackBlocks(id)), nil
}

// stream sends the answer with chat.startStream, chat.appendStream and
// chat.stopStream as a reply in req.ThreadTS, the citations, card buttons
// and feedback arriving with the last call. It reports false, having sent
// nothing, when Slack refuses the stream at its start; a stream broken
// later is stopped with what it has and the rest posted as a reply.
func (h *Handler) stream(ctx context.Context, req bot.Request, res Result, feedback []slack.Block) bool {
	chunks := splitChunks(res.Markdown, streamChunk)
	opts := []slack.MsgOption{slack.MsgOptionTS(req.ThreadTS), slack.MsgOptionMarkdownText(chunks[0])}
	if req.UserID != "" {
		opts = append(opts, slack.MsgOptionRecipientUserID(req.UserID))
	}
	if req.TeamID != "" {
		opts = append(opts, slack.MsgOptionRecipientTeamID(req.TeamID))
	}
	channel, ts, err := h.Assistant.StartStreamContext(ctx, req.ChannelID, opts...)
	if err != nil {
		h.log().Info("streaming refused; posting the answer whole", "channel", req.ChannelID, "err", err)
		return false
	}
	tail := append(append([]slack.Block{}, res.Tail...), feedback...)
	for i, c := range chunks[1:] {
		if _, _, err := h.Assistant.AppendStreamContext(ctx, channel, ts, slack.MsgOptionMarkdownText(c)); err != nil {
			h.log().Warn("stream broke; posting the rest", "channel", channel, "err", err)
			_, _, _ = h.Assistant.StopStreamContext(ctx, channel, ts)
			rest := strings.Join(chunks[i+1:], "")
			msg := bot.Message{Text: rest, Blocks: append([]slack.Block{section(rest)}, tail...)}
			h.post(ctx, req, msg)
			return true
		}
	}
	if _, _, err := h.Assistant.StopStreamContext(ctx, channel, ts, slack.MsgOptionBlocks(tail...)); err != nil {
		h.log().Warn("could not finish the stream; posting its citations", "channel", channel, "err", err)
		if len(tail) > 0 {
			h.post(ctx, req, bot.Message{Text: "Sources", Blocks: tail})
		}
	}
	return true
}

func (h *Handler) post(ctx context.Context, req bot.Request, msg bot.Message) {
	opts := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionTS(req.ThreadTS)}
	if len(msg.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(msg.Blocks...))
	}
	if _, _, err := h.Assistant.PostMessageContext(ctx, req.ChannelID, opts...); err != nil {
		h.log().Error("could not post the rest of a streamed answer", "channel", req.ChannelID, "err", err)
	}
}

// splitChunks cuts text into pieces of at most n bytes, after a line end
// or space where one is in the second half, never inside a rune; joined
// they are the text.
func splitChunks(text string, n int) []string {
	var out []string
	for len(text) > n {
		cut := strings.LastIndexAny(text[:n], "\n ") + 1
		if cut <= n/2 {
			cut = n
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	return append(out, text)
}

// statusLine sets the assistant thread's status, skipping repeats.
type statusLine struct {
	h               *Handler
	channel, thread string
	mu              sync.Mutex
	last            string
}

func (s *statusLine) set(ctx context.Context, status string, loading []string) {
	if status == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if status == s.last {
		return
	}
	s.last = status
	err := s.h.Assistant.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{
		ChannelID: s.channel, ThreadTS: s.thread, Status: status, LoadingMessages: loading,
	})
	if err != nil {
		s.h.log().Warn("could not set the assistant status", "channel", s.channel, "err", err)
	}
}

// clearStatus ends the status when no reply will (Slack clears it when
// the app replies).
func (h *Handler) clearStatus(ctx context.Context, req bot.Request) {
	_ = h.Assistant.SetAssistantThreadsStatusContext(ctx, slack.AssistantThreadsSetStatusParameters{ChannelID: req.ChannelID, ThreadTS: req.ThreadTS})
}

// title names an assistant thread after its first question.
func (h *Handler) title(ctx context.Context, req bot.Request) {
	first, err := h.Store.ClaimAskThreadTitle(ctx, req.ChannelID, req.ThreadTS)
	if err != nil || !first {
		return
	}
	title := clipRunes(strings.Join(strings.Fields(req.Text), " "), 60)
	if title == "" {
		return
	}
	if err := h.Assistant.SetAssistantThreadsTitleContext(ctx, slack.AssistantThreadsSetTitleParameters{
		ChannelID: req.ChannelID, ThreadTS: req.ThreadTS, Title: title,
	}); err != nil {
		h.log().Warn("could not title the assistant thread", "channel", req.ChannelID, "err", err)
	}
}

// withFeedback records the answer and ends its message with feedback
// buttons.
func (h *Handler) withFeedback(ctx context.Context, req bot.Request, surface string, q Question, res Result, streamed bool) bot.Message {
	return appendBlocks(res.Message, h.feedbackBlocks(h.record(ctx, req, surface, q, res, streamed)))
}

// record stores the answer; 0 when there is no store or it failed.
func (h *Handler) record(ctx context.Context, req bot.Request, surface string, q Question, res Result, streamed bool) int64 {
	if h.Store == nil {
		return 0
	}
	id, err := h.Store.RecordAskAnswer(ctx, store.AskAnswerRecord{
		AskedAt: h.now(), UserID: req.UserID, Surface: surface, Question: clip(strings.TrimSpace(q.Text), 500),
		Tools: res.Tools, Model: res.Model, Streamed: streamed,
	})
	if err != nil {
		h.log().Warn("could not record the answer; no feedback buttons", "err", err)
		return 0
	}
	return id
}

// feedbackBlocks are the thumbs up/down under answer id (none for 0).
func (h *Handler) feedbackBlocks(id int64) []slack.Block {
	if id == 0 {
		return nil
	}
	v := strconv.FormatInt(id, 10)
	up := slack.NewFeedbackButton(slack.NewTextBlockObject(slack.PlainTextType, "Helpful", false, false), "up:"+v).
		WithAccessibilityLabel("Mark this answer as helpful")
	down := slack.NewFeedbackButton(slack.NewTextBlockObject(slack.PlainTextType, "Not helpful", false, false), "down:"+v).
		WithAccessibilityLabel("Mark this answer as not helpful")
	return []slack.Block{slack.NewContextActionsBlock("ask_feedback_"+v, slack.NewFeedbackButtonsBlockElement(FeedbackAction, up, down))}
}

func appendBlocks(msg bot.Message, bs []slack.Block) bot.Message {
	if len(bs) == 0 {
		return msg
	}
	if len(msg.Blocks) == 0 && msg.Text != "" {
		msg.Blocks = []slack.Block{section(esc(msg.Text))}
	}
	msg.Blocks = append(append([]slack.Block{}, msg.Blocks...), bs...)
	return msg
}

// HandleAction stores a thumbs up/down vote (FeedbackAction); Slack shows
// the choice itself, so nothing is posted.
func (h *Handler) HandleAction(ctx context.Context, act bot.Action) (bot.Message, error) {
	vote, idText, ok := strings.Cut(act.Value, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if !ok || err != nil || (vote != "up" && vote != "down") {
		return bot.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That feedback button is not one of mine.", Err: fmt.Errorf("feedback value %q", act.Value)}
	}
	if h.Store == nil {
		return bot.Message{}, nil
	}
	err = h.Store.VoteAskAnswer(ctx, id, act.UserID, vote == "up", h.now())
	if errors.Is(err, store.ErrNotFound) {
		return bot.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That answer is no longer on record.", Err: err}
	}
	return bot.Message{}, err
}
