package access

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
)

// AccessAPI is the part of the Slack Web API the Gate reads; *slack.Client
// has it. Scopes: users:read (users.info), usergroups:read
// (usergroups.list, usergroups.users.list), channels:read, groups:read,
// im:read and mpim:read (conversations.info).
type AccessAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
	GetConversationInfoContext(ctx context.Context, input *slack.GetConversationInfoInput) (*slack.Channel, error)
	GetUserGroupsContext(ctx context.Context, options ...slack.GetUserGroupsOption) ([]slack.UserGroup, error)
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

var _ AccessAPI = (*slack.Client)(nil)

// SlackAccess is the Gate's Directory over the Slack Web API.
type SlackAccess struct{ API AccessAPI }

var _ Directory = SlackAccess{}

// Team is the installing workspace and its Grid org (auth.test).
func (s SlackAccess) Team(ctx context.Context) (Team, error) {
	r, err := s.API.AuthTestContext(ctx)
	if err != nil {
		return Team{}, fmt.Errorf("auth.test: %w", err)
	}
	if r.TeamID == "" {
		return Team{}, fmt.Errorf("auth.test: no team_id")
	}
	return Team{ID: r.TeamID, EnterpriseID: r.EnterpriseID}, nil
}

// User reads users.info.
func (s SlackAccess) User(ctx context.Context, id string) (DirectoryUser, error) {
	u, err := s.API.GetUserInfoContext(ctx, id)
	if err != nil {
		return DirectoryUser{}, fmt.Errorf("users.info %s: %w", id, err)
	}
	return DirectoryUser{
		ID: u.ID, TeamID: u.TeamID, EnterpriseID: u.Enterprise.EnterpriseID,
		Deleted: u.Deleted, Bot: u.IsBot || u.IsAppUser,
		Restricted: u.IsRestricted, Ultra: u.IsUltraRestricted, Stranger: u.IsStranger,
		StatusText: u.Profile.StatusText, StatusEmoji: u.Profile.StatusEmoji, StatusExpiration: int64(u.Profile.StatusExpiration),
	}, nil
}

// Channel reads conversations.info.
func (s SlackAccess) Channel(ctx context.Context, id string) (DirectoryChannel, error) {
	c, err := s.API.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: id})
	if err != nil {
		return DirectoryChannel{}, fmt.Errorf("conversations.info %s: %w", id, err)
	}
	return directoryChannel(c), nil
}

// directoryChannel is what the access rules read of conversations.info.
func directoryChannel(c *slack.Channel) DirectoryChannel {
	return DirectoryChannel{
		ID: c.ID, Shared: c.IsShared, ExtShared: c.IsExtShared, OrgShared: c.IsOrgShared,
		PendingExt: c.IsPendingExtShared,
	}
}

// GroupID finds a user group by its handle (usergroups.list).
func (s SlackAccess) GroupID(ctx context.Context, handle string) (string, error) {
	groups, err := s.API.GetUserGroupsContext(ctx)
	if err != nil {
		return "", fmt.Errorf("usergroups.list: %w", err)
	}
	for _, g := range groups {
		if strings.EqualFold(g.Handle, handle) || strings.EqualFold(g.Name, handle) {
			return g.ID, nil
		}
	}
	return "", fmt.Errorf("no Slack user group with handle @%s", handle)
}

// GroupMembers lists a user group's members (usergroups.users.list).
func (s SlackAccess) GroupMembers(ctx context.Context, id string) ([]string, error) {
	m, err := s.API.GetUserGroupMembersContext(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("usergroups.users.list %s: %w", id, err)
	}
	return m, nil
}
