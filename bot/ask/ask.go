// Package ask answers plain-language questions about accounts: through an
// OpenAI-compatible chat model that may only call a fixed set of read-only
// tools, or, without a model, through a built-in parser for the common
// questions. Either way the answer is a bot.Message that cites the accounts
// and numbers it used.
package ask

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/prompts"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Defaults for Config.
const (
	DefaultMaxRounds   = 5
	DefaultTimeout     = 30 * time.Second
	DefaultResultChars = 6000
	// maxCallsPerRound bounds the tool calls one model reply can ask for.
	maxCallsPerRound = 8
)

// Store is what the tools read through: every query runs in a read-only
// transaction that is rolled back. *store.Store satisfies it.
type Store interface {
	ReadOnly(ctx context.Context, fn func(ro *store.Store) error) error
}

var _ Store = (*store.Store)(nil)

// ChatClient is the one call the question loop makes; *openai.Client has it.
type ChatClient interface {
	CreateChatCompletion(ctx context.Context, req openai.ChatCompletionRequest) (openai.ChatCompletionResponse, error)
}

var _ ChatClient = (*openai.Client)(nil)

// Config tunes an Asker. Zero values take the defaults.
type Config struct {
	Model       string        // chat model (or Azure deployment); "" uses the built-in parser only
	MaxRounds   int           // rounds of tool calls per question
	Timeout     time.Duration // deadline for one question, model and tools together
	ResultChars int           // cap on one tool result sent to the model
	Metrics     []scoring.Metric
	Location    *time.Location // what "today" means; nil is UTC
	Now         func() time.Time
}

// Asker answers questions. It is safe for concurrent use.
type Asker struct {
	cfg    Config
	store  Store
	client ChatClient // nil without a model
	log    *slog.Logger
	table  []tool        // every tool: name, description, schema, run
	tools  []openai.Tool // the table as the model gets it
}

// New builds an Asker; client may be nil (or cfg.Model empty) to answer with
// the built-in parser only.
func New(st Store, client ChatClient, cfg Config, log *slog.Logger) (*Asker, error) {
	if cfg.MaxRounds <= 0 {
		cfg.MaxRounds = DefaultMaxRounds
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.ResultChars <= 0 {
		cfg.ResultChars = DefaultResultChars
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Model == "" {
		client = nil
	}
	table, err := loadTools()
	if err != nil {
		return nil, err
	}
	return &Asker{cfg: cfg, store: st, client: client, log: log, table: table, tools: toolDefinitions(table)}, nil
}

// ModelEnabled reports whether questions go to a language model.
func (a *Asker) ModelEnabled() bool { return a.client != nil }

// Question is one thing a user asked.
type Question struct {
	Text   string
	UserID string // Slack user id of the asker: the owner "me" stands for
	// Subject is the account a question that names none is about (the
	// account linked to the channel an assistant thread was opened from);
	// "" for none.
	Subject string
	// OnTool, if set, hears each tool call before it runs (for a status
	// line); it must not block.
	OnTool func(tool string)
}

// Result is an answer with what it rests on.
type Result struct {
	Message bot.Message // the whole answer, to post at once
	// Markdown and Tail are the same answer split for streaming: the
	// model's text (escaped, so it cannot mention or link), then the blocks
	// that follow it (citations, card buttons).
	Markdown string
	Tail     []slack.Block
	Tools    []string // tools called, distinct, in order
	Model    string   // "" when the built-in parser answered
}

// Answer answers q. Every error it returns is a *healthbot.Error whose message
// is safe to show; the detail has been logged.
func (a *Asker) Answer(ctx context.Context, q Question) (bot.Message, error) {
	r, err := a.AnswerResult(ctx, q)
	return r.Message, err
}

// AnswerResult is Answer with the tools called, the model, and the answer
// split for streaming.
func (a *Asker) AnswerResult(ctx context.Context, q Question) (Result, error) {
	q.Text = strings.TrimSpace(q.Text)
	if q.Subject != "" && a.client == nil {
		q.Text = withSubject(q.Text, q.Subject)
	}
	if a.client == nil {
		return a.builtinResult(ctx, q, "")
	}
	res, err := a.answerModel(ctx, q)
	if err == nil {
		return res, nil
	}
	fail, ok := errors.AsType[*healthbot.Error](err)
	if !ok || fail.Code == healthbot.EINTERNAL {
		a.log.Error("question failed", "user", q.UserID, "err", err)
		return Result{}, healthbot.Wrap(err, healthbot.InternalMessage)
	}
	a.log.Warn("language model failed", "code", fail.Code, "user", q.UserID, "err", fail.Err)
	if mayFallBack(err) && ctx.Err() == nil {
		// The model is down or slow, not the database: the common questions
		// still have an answer.
		if q.Subject != "" {
			q.Text = withSubject(q.Text, q.Subject)
		}
		if it := a.parse(ctx, q); it.answerable() {
			return a.builtinResult(ctx, q, fail.Message+" Here is the built-in answer meanwhile.")
		}
	}
	return Result{}, fail
}

// builtinResult is the built-in parser's answer as a Result.
func (a *Asker) builtinResult(ctx context.Context, q Question, lead string) (Result, error) {
	res, err := a.answerBuiltin(ctx, q, lead)
	res.Tools = []string{"builtin"}
	return res, err
}

// withSubject is what the built-in parser reads when a thread has a
// subject: an empty question (or "?") asks for the subject's card; any
// other question stands as asked (the parser cannot tell "it" apart).
func withSubject(text, subject string) string {
	if text == "" || len([]rune(text)) <= 2 {
		return subject
	}
	return text
}

// today is the current date in the configured zone, as a UTC midnight (the
// form score dates are stored in).
func (a *Asker) today() time.Time {
	y, m, d := a.cfg.Now().In(a.cfg.Location).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// NewClient makes a go-openai client for OPENAI_BASE_URL and OPENAI_API_KEY:
// OpenAI itself when baseURL is empty, Azure OpenAI for *.openai.azure.com
// (the model is the deployment name), and any other OpenAI-compatible
// server (Ollama, vLLM, llama.cpp) by its /v1 base URL.
func NewClient(apiKey, baseURL string, httpClient *http.Client) (*openai.Client, error) {
	cfg := openai.DefaultConfig(apiKey)
	if baseURL != "" {
		u, err := url.Parse(baseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("OPENAI_BASE_URL %q is not an http(s) URL", baseURL)
		}
		base := strings.TrimSuffix(baseURL, "/")
		if isAzure(u) {
			cfg = openai.DefaultAzureConfig(apiKey, base)
			cfg.APIVersion = "2024-10-21" // the first GA version with tools
			cfg.AzureModelMapperFunc = func(model string) string { return model }
		} else {
			cfg.BaseURL = base
		}
	}
	if httpClient != nil {
		cfg.HTTPClient = httpClient
	}
	return openai.NewClientWithConfig(cfg), nil
}

// isAzure tells Azure's classic deployment endpoints, which need their own
// URL scheme, from its OpenAI-compatible /openai/v1 endpoint.
func isAzure(u *url.URL) bool {
	host := strings.ToLower(u.Hostname())
	azure := strings.HasSuffix(host, ".openai.azure.com") || strings.HasSuffix(host, ".cognitiveservices.azure.com")
	return azure && !strings.Contains(u.Path, "/openai/v1")
}

// metricLines turns the catalog into the lines the system prompt lists.
func metricLines(ms []scoring.Metric) []prompts.MetricLine {
	out := make([]prompts.MetricLine, 0, len(ms))
	for _, m := range ms {
		dir := "lower is better"
		if m.HigherIsBetter {
			dir = "higher is better"
		}
		out = append(out, prompts.MetricLine{
			Key: m.Key, Family: string(m.Family), Label: m.Label, Direction: dir, Feature: featureWords(m),
		})
	}
	return out
}

func featureWords(m scoring.Metric) string {
	w := ""
	if m.WindowDays > 0 {
		w = fmt.Sprintf(" over %d days", m.WindowDays)
	}
	switch m.Feature {
	case scoring.FeatureSum:
		return "total" + w
	case scoring.FeatureMean:
		return "average" + w
	case scoring.FeatureChange:
		return "relative change" + w
	case scoring.FeatureDaysSince:
		return "days since last seen"
	}
	return "latest value"
}
