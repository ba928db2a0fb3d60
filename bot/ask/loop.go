package ask

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/prompts"
	"github.com/healthbot/healthbot/store"
)

// A model failure is a *healthbot.Error: EUNAVAILABLE when the model is
// down, slow or makes no sense, EINVALID when the question took too many
// steps, each with a short message for the user and the cause for the log.

// modelUnreachable is the cause of a model failure the built-in parser may
// answer for instead: the model is down, slow, rate-limited or refuses our
// credentials, so the database is fine and the common questions still have
// an answer. A model that answered, badly, is not one.
type modelUnreachable struct{ err error }

func (m *modelUnreachable) Error() string { return m.err.Error() }
func (m *modelUnreachable) Unwrap() error { return m.err }

// unreachable is a model failure the built-in parser may step in for.
func unreachable(err error, message string) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EUNAVAILABLE, Message: message, Err: &modelUnreachable{err: err}}
}

// mayFallBack reports whether err is a model failure the built-in parser
// may answer for.
func mayFallBack(err error) bool {
	_, ok := errors.AsType[*modelUnreachable](err)
	return ok
}

// answerModel runs the tool loop: the model asks for tools, gets their
// results as data, and finally answers in words.
func (a *Asker) answerModel(ctx context.Context, q Question) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, a.cfg.Timeout)
	defer cancel()
	sess := a.newSession(q.UserID)
	sess.onTool = q.OnTool
	system, err := a.systemPrompt(ctx, q.UserID, q.Subject)
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, a.classify(ctx, err)
		}
		return Result{}, healthbot.Wrap(fmt.Errorf("system prompt: %w", err), healthbot.InternalMessage)
	}
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: system},
		{Role: openai.ChatMessageRoleUser, Content: q.Text},
	}
	for round := 0; ; round++ {
		req := openai.ChatCompletionRequest{Model: a.cfg.Model, Messages: msgs, Tools: a.tools}
		if round == a.cfg.MaxRounds {
			req.ToolChoice = "none" // out of rounds: answer with what you have
		}
		resp, err := a.client.CreateChatCompletion(ctx, req)
		if err != nil {
			return Result{}, a.classify(ctx, err)
		}
		if len(resp.Choices) == 0 {
			return Result{}, garbage(errors.New("no choices in the response"))
		}
		reply := resp.Choices[0].Message
		if len(reply.ToolCalls) == 0 {
			text := strings.TrimSpace(reply.Content)
			if text == "" {
				return Result{}, &healthbot.Error{Code: healthbot.EUNAVAILABLE, Err: fmt.Errorf("empty answer (finish reason %q, refusal %q)", resp.Choices[0].FinishReason, reply.Refusal),
					Message: "The language model came back with an empty answer. Please rephrase your question and try again."}
			}
			cites := sess.cited(text)
			msg := renderAnswer(text, cites)
			return Result{Message: msg, Markdown: clipBytes(esc(strings.TrimSpace(text)), maxSectionChars),
				Tail: citationBlocks(cites, ""), Tools: sess.calls, Model: a.cfg.Model}, nil
		}
		if round >= a.cfg.MaxRounds {
			return Result{}, &healthbot.Error{Code: healthbot.EINVALID, Err: fmt.Errorf("still calling tools after %d rounds", round),
				Message: fmt.Sprintf("I couldn't work that out within %d steps. Try a narrower question — about one account, one segment or one owner.", a.cfg.MaxRounds)}
		}
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: reply.Content, ToolCalls: reply.ToolCalls})
		for i, call := range reply.ToolCalls {
			out := fmt.Sprintf(`<data tool="none">{"error":"too many tool calls in one reply; at most %d are run"}</data>`, maxCallsPerRound)
			if i < maxCallsPerRound {
				out = sess.call(ctx, call.Function.Name, call.Function.Arguments)
			}
			msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleTool, ToolCallID: call.ID, Name: call.Function.Name, Content: out})
		}
		if ctx.Err() != nil {
			return Result{}, a.classify(ctx, ctx.Err())
		}
	}
}

// systemPrompt renders the system prompt with today's date, the metric
// catalog and the names the model may filter by.
func (a *Asker) systemPrompt(ctx context.Context, userID, subject string) (string, error) {
	var segments, owners []string
	err := a.store.ReadOnly(ctx, func(ro *store.Store) error {
		var err error
		if _, segments, err = ro.AskVocabulary(ctx, a.today()); err != nil {
			return err
		}
		owners, err = ro.AskOwners(ctx)
		return err
	})
	if err != nil {
		return "", err
	}
	if userID == "" {
		userID = "(unknown)"
	}
	return prompts.System(prompts.SystemData{
		Today: a.today().Format("2006-01-02 (Monday)"), AskerID: userID, MaxRounds: a.cfg.MaxRounds,
		Metrics: metricLines(a.cfg.Metrics), Segments: segments, Owners: owners, Subject: clip(subject, nameChars),
	})
}

// classify turns a model call's error into what the user is told.
func (a *Asker) classify(ctx context.Context, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return unreachable(err, fmt.Sprintf("The language model didn't answer within %s. Please try again in a moment, or ask something narrower.", a.cfg.Timeout))
	}
	if errors.Is(err, context.Canceled) {
		return err // the asker's own context ended: nothing to tell anyone
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return unreachable(err, "The language model refused healthbot's credentials; whoever runs healthbot should check OPENAI_API_KEY.")
	case status == http.StatusNotFound:
		return unreachable(err, "The language model server doesn't know the configured model; whoever runs healthbot should check OPENAI_MODEL and OPENAI_BASE_URL.")
	case status == http.StatusTooManyRequests:
		return unreachable(err, "The language model is rate-limiting us; please try again in a minute.")
	case status >= 500 || status == 0 && (apiErr != nil || reqErr != nil):
		return unreachable(err, fmt.Sprintf("The language model isn't answering right now (HTTP %d). Please try again in a few minutes.", status))
	case status >= 400:
		return garbage(err)
	}
	if _, ok := errors.AsType[*healthbot.Error](err); ok {
		return err // already a model failure
	}
	if notJSON(err) {
		return garbage(err)
	}
	return unreachable(err, "The language model can't be reached right now. Please try again in a few minutes.")
}

// notJSON reports whether the model's reply could not be decoded: the
// client hands back encoding/json's own errors for a body that is not JSON
// or not the shape of a chat completion.
func notJSON(err error) bool {
	if _, ok := errors.AsType[*json.SyntaxError](err); ok {
		return true
	}
	_, ok := errors.AsType[*json.UnmarshalTypeError](err)
	return ok
}

// garbage is a model that answered with something unusable: not a case for
// the built-in parser, since the model is up.
func garbage(err error) *healthbot.Error {
	return &healthbot.Error{Code: healthbot.EUNAVAILABLE, Err: err,
		Message: "The language model sent back something I couldn't use. Please rephrase your question and try again."}
}
