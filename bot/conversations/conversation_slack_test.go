package conversations_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/conversations"
)

func TestSlackChannelsPagesThroughConversationsList(t *testing.T) {
	t.Parallel()
	pages := map[string]map[string]any{ // cursor → page
		"":   {"ok": true, "channels": []map[string]any{{"id": "C0GENERAL1", "name": "general"}}, "response_metadata": map[string]any{"next_cursor": "p2"}},
		"p2": {"ok": true, "channels": []map[string]any{{"id": "G0ACME0002", "name": "acme-shared", "is_private": true}}, "response_metadata": map[string]any{"next_cursor": ""}},
	}
	fake := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method != "conversations.list" {
			return nil
		}
		return &bottest.Reply{Body: pages[c.Param("cursor")]}
	})
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ch := conversations.SlackChannels{Client: api}

	id, err := ch.ChannelByName(context.Background(), "acme-shared")
	require.NoError(t, err)
	require.Equal(t, "G0ACME0002", id)
	calls := fake.Calls("conversations.list")
	require.Len(t, calls, 2)
	require.Equal(t, "public_channel,private_channel", calls[0].Param("types"))
	require.Equal(t, "true", calls[0].Param("exclude_archived"))

	_, err = ch.ChannelByName(context.Background(), "nope")
	require.ErrorIs(t, err, conversations.ErrChannelNotFound)
}

func TestSlackMembersCachesUsersInfo(t *testing.T) {
	t.Parallel()
	users := map[string]map[string]any{
		"UGUEST": {"id": "UGUEST", "team_id": "T1", "is_restricted": true},
		"USCG":   {"id": "USCG", "team_id": "T1", "is_ultra_restricted": true},
		"UORG":   {"id": "UORG", "team_id": "T7", "enterprise_user": map[string]any{"enterprise_id": "E1"}},
	}
	fake := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method != "users.info" {
			return nil
		}
		u, ok := users[c.Param("user")]
		if !ok {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "user_not_found"}}
		}
		return &bottest.Reply{Body: map[string]any{"ok": true, "user": u}}
	})
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	m := conversations.NewSlackMembers(api, clock)
	ctx := context.Background()

	for id, want := range map[string]conversations.Member{
		"UGUEST": {TeamID: "T1", Guest: true},
		"USCG":   {TeamID: "T1", Guest: true},
		"UORG":   {TeamID: "T7", EnterpriseID: "E1"},
	} {
		got, err := m.Member(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, got, id)
	}
	_, err := m.Member(ctx, "UGUEST")
	require.NoError(t, err)
	require.Len(t, fake.Calls("users.info"), 3, "answers are cached")

	mu.Lock()
	now = now.Add(61 * time.Minute)
	mu.Unlock()
	_, err = m.Member(ctx, "UGUEST")
	require.NoError(t, err)
	require.Len(t, fake.Calls("users.info"), 4, "and read again after an hour")

	_, err = m.Member(ctx, "UNOBODY")
	require.ErrorContains(t, err, fmt.Sprintf("users.info %s", "UNOBODY"))
}
