package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
)

// guardFunc is a ChannelGuard of a function.
type guardFunc func(ctx context.Context, channel string) error

func (f guardFunc) CheckChannel(ctx context.Context, channel string) error { return f(ctx, channel) }
func (f guardFunc) CheckUser(ctx context.Context, user string) error       { return f(ctx, user) }

// connected says the channel named is shared with another organisation.
func connected(shared string) access.ChannelGuard {
	return guardFunc(func(_ context.Context, ch string) error {
		if ch == shared {
			return fmt.Errorf("%s: %w", ch, access.ErrSharedChannel)
		}
		return nil
	})
}

func TestDigestIsNotPostedToASharedChannel(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, nil, func(c *bot.DigestConfig) { c.Guard = connected("C0DIGEST") })
	_, err := d.Post(context.Background(), digestAt)
	require.ErrorIs(t, err, access.ErrSharedChannel)
	require.ErrorContains(t, err, "HEALTHBOT_DIGEST_CHANNEL")
	require.Empty(t, b.slack.Calls("chat.postMessage"))
}

func TestAlertsAreNotPostedToASharedChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, nil, "", "U_OWNER")
	a := alerts.New(alerts.Config{Store: s.st, Slack: s.api, Channel: alertChannel, Now: s.clock.Now, PostFirstRun: true,
		Retry: chat.RateLimitRetrier{Sleep: func(context.Context, time.Duration) error { return nil }}, Guard: connected(alertChannel)})
	sum, err := a.EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Fired)
	require.Equal(t, 1, sum.Failed, "the channel post is refused")
	require.Equal(t, []string{"U_OWNER"}, channels(s.fake.Calls("chat.postMessage")), "the owner's DM still goes")
}

func TestAlertsAreAssignedOnlyToInsidersByManagers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "usergroups.users.list" {
			return &bottest.Reply{Body: map[string]any{"ok": true, "users": []string{"U_BOSS"}}}
		}
		return nil
	}, "", "U_OWNER")
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: s.fake.APIURL()}, log)
	gate := access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}, Managers: "S0MANAGERS"})
	a := alerts.New(alerts.Config{Store: s.st, Slack: s.api, Channel: alertChannel, Now: s.clock.Now, PostFirstRun: true,
		Retry: chat.RateLimitRetrier{Sleep: func(context.Context, time.Duration) error { return nil }},
		Guard: guardFunc(func(ctx context.Context, id string) error {
			if id == "U_GUEST" {
				return &access.RefusedError{UserID: id, Reason: access.ReasonGuest}
			}
			return gate.CheckUser(ctx, id)
		})})
	_, err := a.EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	var alertID int64
	require.NoError(t, s.st.DB().QueryRow(ctx, "SELECT id FROM alert").Scan(&alertID))

	hooks := bottest.NewCatcher(t)
	r := bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(api, nil, nil, log), Access: gate})
	a.RegisterButtons(r, nil)
	assign := func(by, to, hook string) string {
		t.Helper()
		r.Interaction(slack.InteractionCallback{
			Type: slack.InteractionTypeBlockActions, User: slack.User{ID: by}, Team: slack.Team{ID: "T1"}, ResponseURL: hooks.URL(hook),
			Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: alertChannel}}},
			ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{
				{ActionID: blocks.ActionAlertAssign, Value: strconv.FormatInt(alertID, 10), SelectedUser: to}}},
		}).Start()
		return hooks.WaitFor(t, hook).Message.Text
	}
	require.Equal(t, "Only managers can assign alerts to someone else.", assign("U_OWNER", "U_FAY", "csm"))
	require.Contains(t, assign("U_BOSS", "U_GUEST", "guest"), "<@U_GUEST> can't be assigned this alert: they may not see account data")
	var assigned string
	require.NoError(t, s.st.DB().QueryRow(ctx, "SELECT coalesce(assigned_to, '') FROM alert").Scan(&assigned))
	require.Empty(t, assigned)
	for _, c := range s.fake.Calls("chat.postMessage") {
		require.NotEqual(t, "U_GUEST", c.Param("channel"), "nothing was sent to the guest")
	}
}
