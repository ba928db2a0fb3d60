// Package bot is healthbot's Slack adapter: the transports (Socket Mode
// and HTTP, transport_*.go), request verification, the Router (router.go,
// route_*.go) that acknowledges Slack at once and runs each handler on the
// bounded Runner, the Responder that delivers answers, Slack's rate limits,
// and failureMessage (recover.go), the one place an error becomes a reply.
//
// The handlers live in their feature's package and never import bot (the
// router imports them, or cmd/healthbot wires them): bot/health (/health,
// card, lists, lookup, link, owner, App Home, unfurls), bot/timeline,
// bot/pulse (the weekly check-in), bot/conversations, bot/access (the Gate
// asked before every handler), bot/alerts, bot/outcomes, bot/ask and
// bot/console. What the router and handlers share — Request, Action,
// Message, the handler interfaces and Func adapters, the rate-limit retrier
// — is bot/chat. The calibration buttons, the digest post and the team view
// are still here; alerts_wiring.go builds bot/alerts from cmd's config.
//
// Every transport turns what Slack sends into a Request or an Action and
// hands it to the same handlers, which answer with a Message; rendering is
// separate from sending so every message is golden-testable without Slack.
package bot

import "github.com/healthbot/healthbot/bot/chat"

// The handler-facing types live in bot/chat; these aliases keep the
// adapter's own files readable while handlers move into subpackages.
type (
	Request        = chat.Request
	Action         = chat.Action
	Message        = chat.Message
	CommandHandler = chat.CommandHandler
	ActionHandler  = chat.ActionHandler
)
