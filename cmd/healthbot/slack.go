package main

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/bot/timeline"
)

// startSlack builds the Slack side when SLACK_BOT_TOKEN is set: the Web API
// client, the router with every feature's handlers, the /slack/* routes
// (with a signing secret) and Socket Mode (with an app token). The router
// is closed after the transports, so jobs in flight finish their answers.
func (m *Main) startSlack() error {
	if !m.Config.SlackEnabled() {
		return nil
	}
	log := m.Logger.With("component", "slack")
	m.slack = bot.NewSlackClient(bot.SlackConfig{
		BotToken: m.Config.SlackBotToken,
		AppToken: m.Config.SlackAppToken,
		APIURL:   m.Config.SlackAPIURL,
	}, log)
	responder := bot.NewSlackResponder(m.slack, nil, nil, log)
	m.gate = m.newGate() // access.go
	m.router = bot.NewRouter(bot.RouterOptions{Logger: log, Responder: responder, Registerer: m.registry, Access: m.gate})
	m.closers = append(m.closers, m.router.Close)
	m.registerSlackHandlers(m.router, m.slack, responder)

	if m.Config.SlackSigningSecret != "" {
		bot.NewHTTPTransport(m.router, m.Config.SlackSigningSecret, bot.HTTPOptions{Logger: log}).Mount(m.mux)
	}
	if m.Config.SlackAppToken != "" {
		m.startSocketMode(bot.NewSocketTransport(m.slack, m.router, log))
	}
	return nil
}

// registerSlackHandlers plugs every feature into the router; a feature
// adds its registrations here. respond is the router's own responder, for
// handlers that post an interim status before their answer.
func (m *Main) registerSlackHandlers(r *bot.Router, api *slack.Client, respond *bot.SlackResponder) {
	h := health.NewHealth(m.store, m.Logger.With("component", "health"), time.Now)
	h.Location = m.Config.TimeZone
	h.TextCharts = m.Config.Charts == "text"
	h.TextTables = m.Config.Tables == "text"
	h.Directory = health.SlackDirectory{Client: api}
	h.Questioner = questioner(m.Config, m.store, api, bot.NewSlackResponder(api, nil, nil, m.Logger), m.Logger.With("component", "ask"))
	m.registerAssistant(r, h.Questioner, api) // ask.go
	r.Command(health.HelpCommand, h)
	r.Conversation(h) // mentions and DMs read like /health text
	for _, id := range h.ActionIDs() {
		r.Action(id, h)
	}
	r.Event("app_home_opened", health.HomeOpened{Health: h, Slack: api})
	r.Event("link_shared", health.Unfurls{Health: h, Slack: api, Guard: m.gate, Domains: m.Config.UnfurlDomains, Log: m.Logger.With("component", "unfurl")})
	// The account timeline (/health log, /health timeline, the Log button)
	// and /health owner for managers (#17).
	tl := timeline.NewTimeline(m.store, api, m.Logger.With("component", "timeline"), time.Now)
	tl.Register(r, h)
	h.Register(health.OwnerSubcommand(h, m.store, m.channelGuard()))
	h.Register(bot.TeamSubcommand(h, m.store, m.cardsInForce))
	// Alert messages and outcome questions: their buttons (alerts.go).
	m.registerAlertButtons(r, h, tl)
	m.registerConversations(r, h, api) // /health link, channel messages (conversations.go)
	// Weekly pulse: check-in buttons, note modal, /health pulse (pulse.go).
	pc := pulseConfig(m.Config, m.store, api, m.Logger.With("component", "pulse"))
	if m.gate != nil { // out-of-office Slack statuses, from the Gate's cached users.info
		pc.Status = m.gate
	}
	pulse.NewPulse(pc).Register(r, h)
	// Calibration proposals in the ops channel: Approve / Dismiss (calibrate_job.go).
	m.calibrations().RegisterButtons(r)
}

// startSocketMode runs the Socket Mode connection until Close; a fatal
// connection error (a revoked app token) is logged when it happens.
func (m *Main) startSocketMode(st *bot.SocketTransport) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := st.Run(ctx); err != nil {
			m.Logger.Error("Socket Mode stopped; Slack requests will not arrive until restart", "err", err)
		}
	}()
	m.closers = append(m.closers, func(closeCtx context.Context) error {
		cancel()
		select {
		case <-done:
			return nil
		case <-closeCtx.Done():
			return fmt.Errorf("stopping Socket Mode: %w", closeCtx.Err())
		}
	})
}
