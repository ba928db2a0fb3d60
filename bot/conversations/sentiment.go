package conversations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/healthbot/healthbot/prompts"
)

// ChatCompleter is the part of an OpenAI-compatible client the sentiment
// classifier calls; go-openai's *Client has it.
type ChatCompleter interface {
	CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

var _ ChatCompleter = (*openai.Client)(nil)

// SentimentModel asks a chat model whether a customer's message is
// negative; it implements the intake's conversations.Sentiment. A failed or
// unreadable answer is an error, which leaves the message unclassified.
type SentimentModel struct {
	Client  ChatCompleter
	Model   string
	Timeout time.Duration // per message; DefaultSentimentTimeout when 0
}

// DefaultSentimentTimeout bounds one classification, so a slow model
// cannot hold a message event's job for long.
const DefaultSentimentTimeout = 20 * time.Second

// maxSentimentRunes is how much of a long message the model reads; its
// tone is clear long before.
const maxSentimentRunes = 4000

// Negative classifies one message.
func (s SentimentModel) Negative(ctx context.Context, text string) (bool, error) {
	if r := []rune(text); len(r) > maxSentimentRunes {
		text = string(r[:maxSentimentRunes])
	}
	p, err := prompts.Sentiment(text)
	if err != nil {
		return false, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultSentimentTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := s.Client.CreateChatCompletion(ctx, openai.ChatCompletionRequest{
		Model: s.Model,
		Messages: []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: p.System},
			{Role: openai.ChatMessageRoleUser, Content: p.Message},
		},
	})
	if err != nil {
		return false, fmt.Errorf("sentiment model: %w", err)
	}
	if len(resp.Choices) == 0 {
		return false, errors.New("sentiment model: no answer")
	}
	return parseVerdict(resp.Choices[0].Message.Content)
}

// parseVerdict reads the model's one-word answer, tolerating case, quotes,
// punctuation and a reasoning model's <think> block before it.
func parseVerdict(answer string) (bool, error) {
	a := answer
	if _, after, ok := strings.Cut(a, "</think>"); ok {
		a = after
	}
	a = strings.ToLower(strings.Trim(strings.TrimSpace(a), "`'\".!*_ \n"))
	switch a {
	case "negative":
		return true, nil
	case "not_negative", "not negative", "not-negative", "non-negative", "neutral", "positive":
		return false, nil
	}
	if r := []rune(answer); len(r) > 80 {
		answer = string(r[:80]) + "…"
	}
	return false, fmt.Errorf("sentiment model: unexpected answer %q", answer)
}
