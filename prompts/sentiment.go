package prompts

import (
	"bytes"
	_ "embed"
	"fmt"
	"regexp"
	"text/template"
)

//go:embed sentiment.tmpl
var sentimentText string

// sentiment holds the "system" and "message" templates of the customer
// message classifier; a parse error is a programming error the tests catch.
var sentiment = template.Must(template.New("sentiment.tmpl").Parse(sentimentText))

// closingTag is the end of the message frame in any case or spacing.
var closingTag = regexp.MustCompile(`(?i)<\s*/\s*message`)

// SentimentPrompt is the classifier's system prompt and the user turn
// carrying the message.
type SentimentPrompt struct {
	System  string
	Message string
}

// Sentiment renders the classification prompt for one customer message.
// A closing tag inside the message is defused, so the text cannot end its
// own frame.
func Sentiment(message string) (SentimentPrompt, error) {
	var sys, msg bytes.Buffer
	if err := sentiment.ExecuteTemplate(&sys, "system", nil); err != nil {
		return SentimentPrompt{}, fmt.Errorf("prompts: sentiment: %w", err)
	}
	safe := closingTag.ReplaceAllString(message, "‹/message")
	if err := sentiment.ExecuteTemplate(&msg, "message", safe); err != nil {
		return SentimentPrompt{}, fmt.Errorf("prompts: sentiment: %w", err)
	}
	return SentimentPrompt{System: sys.String(), Message: msg.String()}, nil
}
