package conversations_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/conversations"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// fakeRecorder links channels by a set and keeps what Record got.
type fakeRecorder struct {
	mu       sync.Mutex
	linked   map[string]bool
	recorded []conversations.ConversationMessage
}

var _ conversations.ConversationRecorder = (*fakeRecorder)(nil)

func (f *fakeRecorder) Linked(_ context.Context, ch string) (conversations.ChannelLink, bool, error) {
	return conversations.ChannelLink{ChannelID: ch}, f.linked[ch], nil
}

func (f *fakeRecorder) Record(_ context.Context, m conversations.ConversationMessage) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.recorded = append(f.recorded, m)
	return true, nil
}

// fakeCSMs knows CSMs by Slack id and counts look-ups.
type fakeCSMs struct {
	ids     map[string]bool
	err     error
	lookups int
}

var _ conversations.CSMFinder = (*fakeCSMs)(nil)

func (f *fakeCSMs) CSMBySlackID(_ context.Context, id string) (scoring.CSM, error) {
	f.lookups++
	if f.err != nil {
		return scoring.CSM{}, f.err
	}
	if !f.ids[id] {
		return scoring.CSM{}, store.ErrNotFound
	}
	return scoring.CSM{SlackUserID: id}, nil
}

// fakeSelf answers auth.test.
type fakeSelf struct {
	who   slack.AuthTestResponse
	err   error
	calls int
}

var _ conversations.SelfIdentifier = (*fakeSelf)(nil)

func (f *fakeSelf) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	f.calls++
	if f.err != nil {
		return nil, f.err
	}
	w := f.who
	return &w, nil
}

// fakeMembers is a users.info by map.
type fakeMembers struct {
	byID map[string]conversations.Member
	err  error
}

var _ conversations.MemberDirectory = fakeMembers{}

func (f fakeMembers) Member(_ context.Context, id string) (conversations.Member, error) {
	return f.byID[id], f.err
}

type recordBundle struct {
	rec  *fakeRecorder
	csms *fakeCSMs
	self *fakeSelf
}

// setupRecord is the message handler for workspace T1 (bot UBOT) with
// channel CLINKED linked, CSM UCSM, colleague UTEAM, guest UGUEST.
func setupRecord(t *testing.T) (*conversations.ConversationLog, recordBundle) {
	t.Helper()
	b := recordBundle{
		rec:  &fakeRecorder{linked: map[string]bool{"CLINKED": true}},
		csms: &fakeCSMs{ids: map[string]bool{"UCSM": true}},
		self: &fakeSelf{who: slack.AuthTestResponse{TeamID: "T1", UserID: "UBOT", BotID: "BBOT"}},
	}
	members := fakeMembers{byID: map[string]conversations.Member{
		"UTEAM": {TeamID: "T1"}, "UGUEST": {TeamID: "T1", Guest: true}, "UCUST": {TeamID: "T2"},
	}}
	return conversations.NewConversationLog(b.rec, b.csms, b.self, members, nil), b
}

// messageEvent parses an Events API message as Slack sends it.
func messageEvent(t *testing.T, raw string) bot.Event {
	t.Helper()
	var m slackevents.MessageEvent
	require.NoError(t, json.Unmarshal([]byte(raw), &m))
	return bot.Event{Type: "message", TeamID: "T1", UserID: m.User, ChannelID: m.Channel, Data: &m}
}

func TestConversationLogDecidesWhoWrote(t *testing.T) {
	t.Parallel()
	ts := time.Unix(1772442000, 123456000).UTC()
	for _, tc := range []struct {
		name, raw string
		fromTeam  bool
	}{
		{"Slack Connect customer", `{"type":"message","channel":"CLINKED","user":"UCUST","user_team":"T2","source_team":"T2","text":"hi","ts":"1772442000.123456"}`, false},
		{"colleague of the bot's workspace", `{"type":"message","channel":"CLINKED","user":"UTEAM","user_team":"T1","text":"on it","ts":"1772442000.123456"}`, true},
		{"CSM, whatever the event says", `{"type":"message","channel":"CLINKED","user":"UCSM","user_team":"T9","text":"on it","ts":"1772442000.123456"}`, true},
		{"a guest of the workspace is the customer", `{"type":"message","channel":"CLINKED","user":"UGUEST","user_team":"T1","text":"hi","ts":"1772442000.123456"}`, false},
		{"no user_team: the directory decides", `{"type":"message","channel":"CLINKED","user":"UCUST","text":"hi","ts":"1772442000.123456"}`, false},
		{"thread broadcast", `{"type":"message","subtype":"thread_broadcast","channel":"CLINKED","user":"UTEAM","user_team":"T1","text":"fixed","ts":"1772442000.123456","thread_ts":"1772441000.000100"}`, true},
		{"file share", `{"type":"message","subtype":"file_share","channel":"CLINKED","user":"UCUST","user_team":"T2","text":"log attached","ts":"1772442000.123456"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, b := setupRecord(t)
			require.NoError(t, c.HandleEvent(context.Background(), messageEvent(t, tc.raw)))
			require.Len(t, b.rec.recorded, 1)
			got := b.rec.recorded[0]
			require.Equal(t, tc.fromTeam, got.FromTeam)
			require.True(t, got.TS.Equal(ts), "ts %v", got.TS)
			require.Equal(t, "CLINKED", got.ChannelID)
		})
	}
}

func TestConversationLogSkipsWhatIsNotPeopleTalking(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, raw string }{
		{"edit", `{"type":"message","subtype":"message_changed","channel":"CLINKED","hidden":true,"ts":"1772442001.000001","message":{"type":"message","user":"UCUST","text":"hi (edited)","ts":"1772442000.123456"}}`},
		{"deletion", `{"type":"message","subtype":"message_deleted","channel":"CLINKED","hidden":true,"deleted_ts":"1772442000.123456","ts":"1772442001.000002"}`},
		{"join", `{"type":"message","subtype":"channel_join","channel":"CLINKED","user":"UCUST","text":"<@UCUST> has joined the channel","ts":"1772442000.123456"}`},
		{"leave", `{"type":"message","subtype":"channel_leave","channel":"CLINKED","user":"UCUST","text":"<@UCUST> has left the channel","ts":"1772442000.123456"}`},
		{"bot message", `{"type":"message","subtype":"bot_message","channel":"CLINKED","bot_id":"B0JIRA","username":"Jira","text":"ticket updated","ts":"1772442000.123456"}`},
		{"app posting as a user", `{"type":"message","channel":"CLINKED","user":"U0APP","bot_id":"B0APP","text":"deploy done","ts":"1772442000.123456"}`},
		{"our own post", `{"type":"message","channel":"CLINKED","user":"UBOT","text":"Acme is red","ts":"1772442000.123456"}`},
		{"a question to the bot (also an app_mention)", `{"type":"message","channel":"CLINKED","user":"UCUST","user_team":"T2","text":"<@UBOT> how is acme?","ts":"1772442000.123456"}`},
		{"topic change", `{"type":"message","subtype":"channel_topic","channel":"CLINKED","user":"UTEAM","topic":"x","ts":"1772442000.123456"}`},
		{"unlinked channel", `{"type":"message","channel":"COTHER","user":"UCUST","user_team":"T2","text":"hi","ts":"1772442000.123456"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, b := setupRecord(t)
			require.NoError(t, c.HandleEvent(context.Background(), messageEvent(t, tc.raw)))
			require.Empty(t, b.rec.recorded)
			require.Zero(t, b.csms.lookups, "no store work for skipped messages")
		})
	}
}

func TestConversationLogAsksAuthTestOnceAndFallsBack(t *testing.T) {
	t.Parallel()
	c, b := setupRecord(t)
	colleague := `{"type":"message","channel":"CLINKED","user":"UX","user_team":"T1","text":"hi","ts":"1772442000.000001"}`
	b.self.err = errors.New("slack down")
	require.NoError(t, c.HandleEvent(context.Background(), messageEvent(t, colleague)))
	require.True(t, b.rec.recorded[0].FromTeam, "the event's workspace stands in for the bot's")
	b.self.err = nil
	for range 3 {
		require.NoError(t, c.HandleEvent(context.Background(), messageEvent(t, colleague)))
	}
	require.Equal(t, 2, b.self.calls, "retried after the failure, then cached")
}

func TestConversationLogEnterpriseAndDirectoryFailure(t *testing.T) {
	t.Parallel()
	rec := &fakeRecorder{linked: map[string]bool{"CLINKED": true}}
	self := &fakeSelf{who: slack.AuthTestResponse{TeamID: "T1", EnterpriseID: "E1", UserID: "UBOT"}}
	members := fakeMembers{byID: map[string]conversations.Member{"UORG": {TeamID: "T7", EnterpriseID: "E1"}, "UOUT": {TeamID: "T8", EnterpriseID: "E2"}}}
	c := conversations.NewConversationLog(rec, &fakeCSMs{}, self, members, nil)
	for _, raw := range []string{
		`{"type":"message","channel":"CLINKED","user":"UORG","user_team":"T7","text":"hi","ts":"1772442000.000001"}`,
		`{"type":"message","channel":"CLINKED","user":"UOUT","user_team":"T8","text":"hi","ts":"1772442000.000002"}`,
	} {
		require.NoError(t, c.HandleEvent(context.Background(), messageEvent(t, raw)))
	}
	require.True(t, rec.recorded[0].FromTeam, "another workspace of our Enterprise Grid org is the team")
	require.False(t, rec.recorded[1].FromTeam)

	rec2 := &fakeRecorder{linked: map[string]bool{"CLINKED": true}}
	down := conversations.NewConversationLog(rec2, &fakeCSMs{}, self, fakeMembers{err: errors.New("users.info: ratelimited")}, nil)
	require.NoError(t, down.HandleEvent(context.Background(), messageEvent(t,
		`{"type":"message","channel":"CLINKED","user":"UX","user_team":"T1","text":"hi","ts":"1772442000.000003"}`)))
	require.True(t, rec2.recorded[0].FromTeam, "without the directory the event's workspace decides")
}

func TestConversationLogErrors(t *testing.T) {
	t.Parallel()
	c, b := setupRecord(t)
	err := c.HandleEvent(context.Background(), messageEvent(t, `{"type":"message","channel":"CLINKED","user":"UCUST","text":"hi","ts":"soon"}`))
	require.ErrorContains(t, err, `bad Slack ts "soon"`)
	b.csms.err = errors.New("db down")
	err = c.HandleEvent(context.Background(), messageEvent(t, `{"type":"message","channel":"CLINKED","user":"UCUST","text":"hi","ts":"1772442000.000001"}`))
	require.ErrorContains(t, err, "db down")
	require.Empty(t, b.rec.recorded, "nothing recorded when the author is unknown")
	require.NoError(t, c.HandleEvent(context.Background(), bot.Event{Type: "message", Data: "not a message"}))
}

func TestParseSlackTS(t *testing.T) {
	t.Parallel()
	for ts, want := range map[string]time.Time{
		"1700000000.123456": time.Unix(1700000000, 123456000),
		"1700000000.000001": time.Unix(1700000000, 1000),
		"1700000000.1":      time.Unix(1700000000, 100000000),
		"1700000000":        time.Unix(1700000000, 0),
		"1700000000.999999": time.Unix(1700000000, 999999000),
	} {
		got, err := conversations.ParseSlackTS(ts)
		require.NoError(t, err, ts)
		require.True(t, got.Equal(want), "%s: %v, want %v", ts, got, want)
		require.Equal(t, time.UTC, got.Location())
	}
	for _, bad := range []string{"", ".5", "abc", "1700000000.", "-1700000000.1", "1700000000.+1", "1700000000.1234567890", "1.2.3"} {
		_, err := conversations.ParseSlackTS(bad)
		require.Error(t, err, bad)
	}
}

// TestManifestSubscribesToChannelMessages keeps the Slack app able to see
// linked channels: public and private channel messages, with their scopes.
func TestManifestSubscribesToChannelMessages(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../../slack/manifest.yaml")
	require.NoError(t, err)
	var m struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
		Settings struct {
			Events struct {
				Bot []string `yaml:"bot_events"`
			} `yaml:"event_subscriptions"`
		} `yaml:"settings"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &m))
	require.Subset(t, m.Settings.Events.Bot, []string{"message.channels", "message.groups"})
	require.Subset(t, m.OAuth.Scopes.Bot, []string{"channels:history", "groups:history", "channels:read", "groups:read", "users:read"})
}
