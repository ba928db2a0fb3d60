package ask

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	openai "github.com/sashabaranov/go-openai"

	"github.com/healthbot/healthbot/prompts"
	"github.com/healthbot/healthbot/store"
)

// modelFailure is the model being down, slow or making no sense: a short
// message for the user, the cause for the log, and whether the built-in
// parser may step in.
type modelFailure struct {
	code     string
	message  string
	fallback bool
	err      error
}

func (f *modelFailure) Error() string { return f.code + ": " + f.err.Error() }
func (f *modelFailure) Unwrap() error { return f.err }

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
		return Result{}, fmt.Errorf("system prompt: %w", err)
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
				return Result{}, &modelFailure{code: "model_empty", err: fmt.Errorf("empty answer (finish reason %q, refusal %q)", resp.Choices[0].FinishReason, reply.Refusal),
					message: "The language model came back with an empty answer. Please rephrase your question and try again."}
			}
			cites := sess.cited(text)
			msg := renderAnswer(text, cites)
			return Result{Message: msg, Markdown: clipBytes(esc(strings.TrimSpace(text)), maxSectionChars),
				Tail: citationBlocks(cites, ""), Tools: sess.calls, Model: a.cfg.Model}, nil
		}
		if round >= a.cfg.MaxRounds {
			return Result{}, &modelFailure{code: "model_rounds", err: fmt.Errorf("still calling tools after %d rounds", round),
				message: fmt.Sprintf("I couldn't work that out within %d steps. Try a narrower question — about one account, one segment or one owner.", a.cfg.MaxRounds)}
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
		return &modelFailure{code: "model_timeout", err: err, fallback: true,
			message: fmt.Sprintf("The language model didn't answer within %s. Please try again in a moment, or ask something narrower.", a.cfg.Timeout)}
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
		return &modelFailure{code: "model_auth", err: err, fallback: true,
			message: "The language model refused healthbot's credentials; whoever runs healthbot should check OPENAI_API_KEY."}
	case status == http.StatusNotFound:
		return &modelFailure{code: "model_not_found", err: err, fallback: true,
			message: "The language model server doesn't know the configured model; whoever runs healthbot should check OPENAI_MODEL and OPENAI_BASE_URL."}
	case status == http.StatusTooManyRequests:
		return &modelFailure{code: "model_busy", err: err, fallback: true,
			message: "The language model is rate-limiting us; please try again in a minute."}
	case status >= 500 || status == 0 && (apiErr != nil || reqErr != nil):
		return &modelFailure{code: "model_down", err: err, fallback: true,
			message: fmt.Sprintf("The language model isn't answering right now (HTTP %d). Please try again in a few minutes.", status)}
	case status >= 400:
		return garbage(err)
	}
	var fail *modelFailure
	if errors.As(err, &fail) {
		return err
	}
	if strings.Contains(err.Error(), "unmarshal") || strings.Contains(err.Error(), "invalid character") {
		return garbage(err)
	}
	return &modelFailure{code: "model_down", err: err, fallback: true,
		message: "The language model can't be reached right now. Please try again in a few minutes."}
}

func garbage(err error) *modelFailure {
	return &modelFailure{code: "model_garbage", err: err,
		message: "The language model sent back something I couldn't use. Please rephrase your question and try again."}
}
