// Package calibration is the Slack side of calibration: it posts a
// proposed scorecard version (app.Calibrate's result, stored as proposed)
// to the ops channel with Approve and Dismiss, says so when a month
// proposes nothing, and handles the two buttons. It never imports bot:
// cmd/healthbot registers the buttons on the router.
package calibration

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// Store is the part of the store proposals and decisions need;
// *store.Store has it.
type Store interface {
	InsertScorecardVersion(ctx context.Context, v store.NewScorecardVersion, now time.Time) (store.ScorecardVersion, error)
	DecideScorecardVersion(ctx context.Context, id int64, status store.VersionStatus, by string, now time.Time) (store.ScorecardVersion, bool, error)
	SetScorecardVersionMessage(ctx context.Context, id int64, channelID, ts string) error
}

var _ Store = (*store.Store)(nil)

// Slack is the part of the Web API proposals need; *slack.Client has it.
type Slack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// Config configures New.
type Config struct {
	Store   Store
	Slack   Slack            // required to propose
	Channel string           // HEALTHBOT_OPS_CHANNEL
	Now     func() time.Time // nil means time.Now
	Logger  *slog.Logger
	Retry   chat.RateLimitRetrier
}

// Calibrations posts proposed scorecard versions to the ops channel and
// handles their Approve and Dismiss buttons. Scoring never changes weights
// on its own: a proposal is in force only once someone approves it.
type Calibrations struct {
	cfg Config
}

// New builds the proposer and its button handlers.
func New(cfg Config) *Calibrations {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Retry.Log == nil {
		cfg.Retry.Log = cfg.Logger
	}
	return &Calibrations{cfg: cfg}
}

// Registrar routes buttons to handlers; bot.Router has it. Declaring it
// here keeps this package free of bot (bot/alerts does the same).
type Registrar interface {
	Action(prefix string, h chat.ActionHandler)
}

// RegisterButtons routes Approve and Dismiss.
func (c *Calibrations) RegisterButtons(r Registrar) {
	r.Action(blocks.ActionCalibrationApprove, approve{c})
	r.Action(blocks.ActionCalibrationDismiss, dismiss{c})
}
