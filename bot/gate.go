package bot

import (
	"context"

	"github.com/healthbot/healthbot/bot/access"
)

// The Gate lives in bot/access. These names keep the files that have not
// moved out of bot yet (alerts, outcomes, the digest) compiling unchanged;
// they go once those files import bot/access themselves.
type ChannelGuard = access.ChannelGuard

// ReasonNotManager is access.ReasonNotManager.
const ReasonNotManager = access.ReasonNotManager

// IsManager is access.IsManager.
func IsManager(ctx context.Context) bool { return access.IsManager(ctx) }

// NoteAccounts is access.NoteAccounts (bot/ask still calls it through bot).
func NoteAccounts(ctx context.Context, ids ...int64) { access.NoteAccounts(ctx, ids...) }
