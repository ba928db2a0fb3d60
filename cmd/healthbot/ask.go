package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// newAsker answers plain-language questions: through the configured
// OpenAI-compatible model, or with the built-in parser when OPENAI_MODEL is
// unset. The system prompt lists the metric catalog of the scorecards file.
func newAsker(cfg Config, st *store.Store, log *slog.Logger) (*ask.Asker, error) {
	var client ask.ChatClient
	if cfg.ModelEnabled() {
		// The per-question deadline is the real bound; this one only keeps
		// a stuck connection from outliving it.
		c, err := ask.NewClient(cfg.OpenAIAPIKey, cfg.OpenAIBaseURL, &http.Client{Timeout: cfg.AskTimeout + cfg.AskTimeout/2})
		if err != nil {
			return nil, err
		}
		client = c
	}
	metrics := scoring.DefaultCatalog().Metrics()
	if cards, _, err := loadScorecards(context.Background(), st, "", cfg.ScorecardsFile); err == nil {
		metrics = cards.Catalog().Metrics()
	} else {
		log.Warn("questions: scorecards unreadable; the model sees the built-in metric catalog", "err", err)
	}
	return ask.New(st, client, ask.Config{
		Model: cfg.OpenAIModel, MaxRounds: cfg.AskMaxRounds, Timeout: cfg.AskTimeout,
		Metrics: metrics, Location: cfg.TimeZone,
	}, log)
}

// questioner is the /health fallback for free text, mentions and DMs; nil
// (no questions, the card lookup says "no account named …") if the asker
// cannot be built. chat may be nil (the console): then no "thinking…" status.
func questioner(cfg Config, st *store.Store, chat ask.ChatAPI, respond bot.Responder, log *slog.Logger) health.Questioner {
	a, err := newAsker(cfg, st, log)
	if err != nil {
		log.Error("questions disabled", "err", err)
		return nil
	}
	log.Debug("questions", "model", cfg.OpenAIModel, "built_in_only", !a.ModelEnabled())
	return &ask.Handler{Asker: a, Respond: respond, Chat: chat, Log: log}
}

// registerAssistant plugs the question handler into Slack's AI-app pane
// (assistant threads, streamed answers) and the feedback buttons under
// answers; q is what questioner returned (nil: questions are off).
func (m *Main) registerAssistant(r *bot.Router, q health.Questioner, api *slack.Client) {
	h, ok := q.(*ask.Handler)
	if !ok || h == nil {
		return
	}
	h.Assistant, h.Store = api, m.store
	r.Event(ask.EventThreadStarted, h)
	r.Event(ask.EventThreadContextChanged, h)
	r.Action(ask.FeedbackAction, h)
}
