package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/timeline"
	"github.com/slack-go/slack"
)

// The Gate lives in bot/access, /health in bot/health and the account
// timeline in bot/timeline. These names keep
// the code that has not moved yet (alerts, outcomes, the digest, bot/ask,
// bot/console and their wiring in cmd) compiling unchanged; they go once
// that code imports the subpackages itself.
type (
	ChannelGuard  = access.ChannelGuard
	Health        = health.Health
	HealthStore   = health.HealthStore
	Lookup        = health.Lookup
	Questioner    = health.Questioner
	UserDirectory = health.UserDirectory
	Timeline      = timeline.Timeline
	ViewOpener    = timeline.ViewOpener
	TimelineStore = timeline.TimelineStore
)

// ReasonNotManager is access.ReasonNotManager.
const ReasonNotManager = access.ReasonNotManager

// MatchExact is health.MatchExact.
const MatchExact = health.MatchExact

// IsManager is access.IsManager.
func IsManager(ctx context.Context) bool { return access.IsManager(ctx) }

// NoteAccounts is access.NoteAccounts (bot/ask still calls it through bot).
func NoteAccounts(ctx context.Context, ids ...int64) { access.NoteAccounts(ctx, ids...) }

// NewHealth is health.NewHealth.
func NewHealth(st HealthStore, log *slog.Logger, now func() time.Time) *Health {
	return health.NewHealth(st, log, now)
}

// NewTimeline is timeline.NewTimeline.
func NewTimeline(st TimelineStore, views ViewOpener, log *slog.Logger, now func() time.Time) *Timeline {
	return timeline.NewTimeline(st, views, log, now)
}

// NewLookup is health.NewLookup.
func NewLookup(st health.LookupStore, now func() time.Time) *Lookup { return health.NewLookup(st, now) }

// RateLimitRetrier is chat.RateLimitRetrier: the pulse, alerts and digest
// share it, so it lives with the other handler-facing types.
type RateLimitRetrier = chat.RateLimitRetrier

// msgOptions is chat.MsgOptions, for the posting jobs still in bot.
func msgOptions(msg Message, threadTS string) []slack.MsgOption {
	return chat.MsgOptions(msg, threadTS)
}
