package conversations

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// ConversationMessage is one person's message in a channel. Text is for the
// sentiment model only; the recorder never stores it.
type ConversationMessage struct {
	ChannelID string
	UserID    string
	FromTeam  bool // a CSM or a member of the bot's own workspace wrote it
	TS        time.Time
	Text      string
}

// ConversationRecorder records the messages of linked channels;
// cmd/healthbot adapts the intake's recorder to it.
type ConversationRecorder interface {
	Linked(ctx context.Context, channelID string) (link ChannelLink, ok bool, err error)
	Record(ctx context.Context, m ConversationMessage) (recorded bool, err error)
}

// CSMFinder finds a CSM by Slack user id (store.ErrNotFound when there is
// none); *store.Store has it.
type CSMFinder interface {
	CSMBySlackID(ctx context.Context, slackID string) (scoring.CSM, error)
}

// SelfIdentifier tells the bot who it is (auth.test); *slack.Client has it.
type SelfIdentifier interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
}

// Member is what the workspace says about a Slack user.
type Member struct {
	TeamID       string // the user's workspace; "" when Slack did not say
	EnterpriseID string // Enterprise Grid org, if any
	Guest        bool   // a multi- or single-channel guest: a customer in a shared channel
}

// MemberDirectory looks Slack users up, so a workspace guest counts as the
// customer; optional.
type MemberDirectory interface {
	Member(ctx context.Context, userID string) (Member, error)
}

// ConversationLog is the "message" EventHandler for channels the bot is in:
// it hands every message people write in a linked channel to the recorder,
// saying whether the team or the customer wrote it. Build it with
// NewConversationLog.
type ConversationLog struct {
	recorder ConversationRecorder
	csms     CSMFinder
	self     SelfIdentifier
	members  MemberDirectory
	log      *slog.Logger

	mu     sync.Mutex
	whoAmI *slack.AuthTestResponse // cached once auth.test answered
}

var _ chat.EventHandler = (*ConversationLog)(nil)

// NewConversationLog makes the handler; members and log may be nil.
func NewConversationLog(rec ConversationRecorder, csms CSMFinder, self SelfIdentifier, members MemberDirectory, log *slog.Logger) *ConversationLog {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &ConversationLog{recorder: rec, csms: csms, self: self, members: members, log: log}
}

// HandleEvent records a message event of a linked channel; edits,
// deletions, joins, bots, the bot itself and questions to the bot (which
// also arrive as app_mention) are skipped.
func (c *ConversationLog) HandleEvent(ctx context.Context, ev chat.Event) error {
	m, ok := ev.Data.(*slackevents.MessageEvent)
	if !ok || !peopleTalking(m) {
		return nil
	}
	self := c.identity(ctx, ev.TeamID)
	if m.User == self.UserID || mentions(m.Text, self.UserID) {
		return nil
	}
	ts, err := ParseSlackTS(m.TimeStamp)
	if err != nil {
		return fmt.Errorf("message in %s: %w", m.Channel, err)
	}
	if _, linked, err := c.recorder.Linked(ctx, m.Channel); err != nil || !linked {
		return err
	}
	fromTeam, err := c.fromTeam(ctx, m, self)
	if err != nil {
		return err
	}
	recorded, err := c.recorder.Record(ctx, ConversationMessage{ChannelID: m.Channel, UserID: m.User, FromTeam: fromTeam, TS: ts, Text: m.Text})
	if err != nil {
		return fmt.Errorf("record message %s in %s: %w", m.TimeStamp, m.Channel, err)
	}
	c.log.DebugContext(ctx, "conversation message", "channel", m.Channel, "ts", m.TimeStamp, "from_team", fromTeam, "recorded", recorded)
	return nil
}

// peopleSubtypes are the message subtypes that are a person writing in
// the channel; every other subtype (message_changed, message_deleted,
// channel_join, channel_leave, bot_message, channel_topic, …) is not.
var peopleSubtypes = map[string]bool{"": true, "thread_broadcast": true, "file_share": true, "me_message": true}

func peopleTalking(m *slackevents.MessageEvent) bool {
	return peopleSubtypes[m.SubType] && m.BotID == "" && m.User != "" && m.Channel != "" && !m.IsIM()
}

func mentions(text, userID string) bool {
	return userID != "" && (strings.Contains(text, "<@"+userID+">") || strings.Contains(text, "<@"+userID+"|"))
}

// identity is the bot's own user and workspace from auth.test, asked once;
// until Slack answers, the event's workspace stands in.
func (c *ConversationLog) identity(ctx context.Context, eventTeam string) slack.AuthTestResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.whoAmI == nil && c.self != nil {
		who, err := c.self.AuthTestContext(ctx)
		if err != nil {
			c.log.WarnContext(ctx, "auth.test failed; using the event's workspace as the bot's", "err", err)
		} else {
			c.whoAmI = who
		}
	}
	if c.whoAmI == nil {
		return slack.AuthTestResponse{TeamID: eventTeam}
	}
	return *c.whoAmI
}

// fromTeam says whether a known CSM or a member of the bot's own
// workspace (or Enterprise Grid org) wrote m; customers in a Slack Connect
// channel belong to another workspace, guests are customers too.
func (c *ConversationLog) fromTeam(ctx context.Context, m *slackevents.MessageEvent, self slack.AuthTestResponse) (bool, error) {
	_, err := c.csms.CSMBySlackID(ctx, m.User)
	if err == nil {
		return true, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return false, fmt.Errorf("find CSM %s: %w", m.User, err)
	}
	byEvent := m.UserTeam == "" || m.UserTeam == self.TeamID
	if c.members == nil || (!byEvent && self.EnterpriseID == "") {
		return byEvent, nil
	}
	mem, err := c.members.Member(ctx, m.User)
	if err != nil || mem.TeamID == "" {
		if err != nil {
			c.log.WarnContext(ctx, "users.info failed; deciding by the event's workspace", "user", m.User, "err", err)
		}
		return byEvent, nil
	}
	sameOrg := mem.TeamID == self.TeamID || (self.EnterpriseID != "" && mem.EnterpriseID == self.EnterpriseID)
	return sameOrg && !mem.Guest, nil
}

// ParseSlackTS turns a Slack message ts ("1700000000.123456") into the
// exact time it names: seconds and microseconds, no float rounding, as it
// is the message's identity.
func ParseSlackTS(ts string) (time.Time, error) {
	secs, frac, dot := strings.Cut(ts, ".")
	if !digits(secs) || len(secs) > 12 || (dot && !digits(frac)) || len(frac) > 9 {
		return time.Time{}, fmt.Errorf("bad Slack ts %q", ts)
	}
	sec, _ := strconv.ParseInt(secs, 10, 64)
	var nsec int64
	if frac != "" {
		nsec, _ = strconv.ParseInt(frac+strings.Repeat("0", 9-len(frac)), 10, 64)
	}
	return time.Unix(sec, nsec).UTC(), nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
