package conversations

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// SlackChannels finds channels by name through conversations.list (scopes
// channels:read, groups:read); *slack.Client is its Client.
type SlackChannels struct {
	Client interface {
		GetConversationsContext(ctx context.Context, params *slack.GetConversationsParameters) ([]slack.Channel, string, error)
	}
}

var _ ChannelFinder = SlackChannels{}

// maxChannelPages bounds a name search to 50,000 channels (Tier 2: each
// page is one of ~20 calls a minute).
const maxChannelPages = 50

// ChannelByName pages through the workspace's channels until one has name.
func (s SlackChannels) ChannelByName(ctx context.Context, name string) (string, error) {
	params := &slack.GetConversationsParameters{ExcludeArchived: true, Limit: 1000, Types: []string{"public_channel", "private_channel"}}
	for range maxChannelPages {
		chans, next, err := s.Client.GetConversationsContext(ctx, params)
		if err != nil {
			return "", fmt.Errorf("conversations.list: %w", err)
		}
		for _, c := range chans {
			if strings.EqualFold(c.Name, name) {
				return c.ID, nil
			}
		}
		if next == "" {
			break
		}
		params.Cursor = next
	}
	return "", ErrChannelNotFound
}

// SlackMembers reads users' workspace and guest status through users.info
// (scope users:read) and remembers answers for an hour, as message events
// from the same people keep coming.
type SlackMembers struct {
	client interface {
		GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	}
	now func() time.Time

	mu    sync.Mutex
	cache map[string]cachedMember
}

type cachedMember struct {
	m  Member
	at time.Time
}

const (
	memberTTL       = time.Hour
	maxCachedMember = 10000 // then the cache starts over
)

var _ MemberDirectory = (*SlackMembers)(nil)

// NewSlackMembers reads members with client (a *slack.Client); now nil
// means time.Now.
func NewSlackMembers(client interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}, now func() time.Time) *SlackMembers {
	if now == nil {
		now = time.Now
	}
	return &SlackMembers{client: client, now: now, cache: make(map[string]cachedMember)}
}

// Member returns what Slack says of userID.
func (s *SlackMembers) Member(ctx context.Context, userID string) (Member, error) {
	now := s.now()
	s.mu.Lock()
	c, ok := s.cache[userID]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < memberTTL {
		return c.m, nil
	}
	u, err := s.client.GetUserInfoContext(ctx, userID)
	if err != nil {
		return Member{}, fmt.Errorf("users.info %s: %w", userID, err)
	}
	m := Member{TeamID: u.TeamID, EnterpriseID: u.Enterprise.EnterpriseID, Guest: u.IsRestricted || u.IsUltraRestricted}
	s.mu.Lock()
	if len(s.cache) >= maxCachedMember {
		clear(s.cache)
	}
	s.cache[userID] = cachedMember{m: m, at: now}
	s.mu.Unlock()
	return m, nil
}
