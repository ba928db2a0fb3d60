package ask_test

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/bottest"
)

// auditLog records access decisions in memory.
type auditLog struct {
	mu      sync.Mutex
	entries []access.AuditEntry
}

func (l *auditLog) RecordAccess(_ context.Context, e access.AuditEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, e)
	return nil
}

type discard struct{}

func (discard) Respond(context.Context, bot.Request, bot.Message) error { return nil }

// TestQuestionToolsAreAudited: a question answered through the router's
// Gate leaves an audit row naming the account its get_account looked at.
func TestQuestionToolsAreAudited(t *testing.T) {
	t.Parallel()
	b := setup(t, options{script: []step{callTools(call{"get_account", `{"account":"acme"}`}), say("Acme is red.")}})
	fake := bottest.NewSlack(t, nil)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	audit := &auditLog{}
	r := bot.NewRouter(bot.RouterOptions{Logger: log, Responder: discard{},
		Access: access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}, Audit: audit})})
	h := &ask.Handler{Asker: b.asker}
	r.Command("/health", bot.CommandFunc(h.Ask))
	r.SlashCommand(slack.SlashCommand{Command: "/health", Text: "how is acme?", UserID: "U1", TeamID: "T1", ChannelID: "C1"}).Start()
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, r.Idle(ctx))

	audit.mu.Lock()
	defer audit.mu.Unlock()
	require.Len(t, audit.entries, 1)
	e := audit.entries[0]
	require.True(t, e.Allowed)
	require.Equal(t, access.SurfaceCommand, e.Surface)
	require.True(t, slices.Equal(e.AccountIDs, []int64{b.fx.IDs["acme"]}), "accounts %v", e.AccountIDs)
}
