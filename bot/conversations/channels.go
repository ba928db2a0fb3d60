package conversations

import (
	"context"
	"errors"
)

// ChannelLink is a Slack channel and the account it is linked to.
type ChannelLink struct {
	ChannelID         string
	AccountExternalID string
	AccountName       string
}

// ChannelFinder resolves a channel typed as plain text ("#acme-shared"):
// Slack sends names unescaped when the command's escaping is off. It
// returns ErrChannelNotFound for a name it does not know.
type ChannelFinder interface {
	ChannelByName(ctx context.Context, name string) (id string, err error)
}

// ErrChannelNotFound is ChannelFinder's answer for an unknown name.
var ErrChannelNotFound = errors.New("channel not found")
