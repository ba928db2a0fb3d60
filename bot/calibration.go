package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// CalibrationStore is the part of the store calibration proposals need.
type CalibrationStore interface {
	InsertScorecardVersion(ctx context.Context, v store.NewScorecardVersion, now time.Time) (store.ScorecardVersion, error)
	DecideScorecardVersion(ctx context.Context, id int64, status store.VersionStatus, by string, now time.Time) (store.ScorecardVersion, bool, error)
	SetScorecardVersionMessage(ctx context.Context, id int64, channelID, ts string) error
}

var _ CalibrationStore = (*store.Store)(nil)

// CalibrationSlack is the part of the Slack client proposals need.
type CalibrationSlack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
}

// CalibrationsConfig configures NewCalibrations.
type CalibrationsConfig struct {
	Store   CalibrationStore
	Slack   CalibrationSlack // required to propose
	Channel string           // HEALTHBOT_OPS_CHANNEL
	Now     func() time.Time // nil means time.Now
	Logger  *slog.Logger
	Retry   chat.RateLimitRetrier
}

// Calibrations posts proposed scorecard versions to the ops channel and
// handles their Approve and Dismiss buttons. Scoring never changes weights
// on its own: a proposal is in force only once someone approves it.
type Calibrations struct {
	cfg CalibrationsConfig
}

// NewCalibrations builds the proposer and its button handlers.
func NewCalibrations(cfg CalibrationsConfig) *Calibrations {
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

// RegisterButtons routes Approve and Dismiss.
func (c *Calibrations) RegisterButtons(r *Router) {
	r.Action(blocks.ActionCalibrationApprove, calibrationApprove{c})
	r.Action(blocks.ActionCalibrationDismiss, calibrationDismiss{c})
}

// Propose stores v as a proposal (superseding any older one still waiting)
// and posts it to the ops channel with Approve and Dismiss.
func (c *Calibrations) Propose(ctx context.Context, v store.NewScorecardVersion) (store.ScorecardVersion, error) {
	if c.cfg.Slack == nil || c.cfg.Channel == "" {
		return store.ScorecardVersion{}, errors.New("calibration: no ops channel to post the proposal to (HEALTHBOT_OPS_CHANNEL)")
	}
	v.Status, v.DecidedBy = store.VersionProposed, ""
	rec, err := c.cfg.Store.InsertScorecardVersion(ctx, v, c.cfg.Now())
	if err != nil {
		return store.ScorecardVersion{}, err
	}
	view := calibrationView(rec)
	var ch, ts string
	err = c.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		var err error
		ch, ts, err = c.cfg.Slack.PostMessageContext(ctx, c.cfg.Channel,
			chat.MsgOptions(Message{Text: blocks.CalibrationText(view), Blocks: blocks.CalibrationBlocks(view)}, "")...)
		return err
	})
	if err != nil {
		return rec, fmt.Errorf("calibration: version %d stored as proposed but not posted to %s: %w", rec.ID, c.cfg.Channel, err)
	}
	if err := c.cfg.Store.SetScorecardVersionMessage(ctx, rec.ID, ch, ts); err != nil {
		return rec, err
	}
	rec.ChannelID, rec.MessageTS = ch, ts
	c.cfg.Logger.InfoContext(ctx, "calibration proposed", "version", rec.ID, "channel", ch, "ts", ts,
		"auc_before", rec.AUCBefore, "auc_after", rec.AUCAfter)
	return rec, nil
}

// NoProposal tells the ops channel that a calibration ran and why it
// proposes nothing (too little churn, no better fit), so a quiet month
// reads as checked rather than as skipped.
func (c *Calibrations) NoProposal(ctx context.Context, month time.Time, reason string) error {
	if c.cfg.Slack == nil || c.cfg.Channel == "" {
		return errors.New("calibration: no ops channel to post to (HEALTHBOT_OPS_CHANNEL)")
	}
	text := blocks.CalibrationNothingText(month, reason)
	return c.cfg.Retry.Do(ctx, func(ctx context.Context) error {
		_, _, err := c.cfg.Slack.PostMessageContext(ctx, c.cfg.Channel, chat.MsgOptions(Message{Text: text}, "")...)
		return err
	})
}

// calibrationView is a stored version as the ops channel shows it. The
// message is rebuilt from the store alone, so a decision made on another
// replica renders the same.
func calibrationView(v store.ScorecardVersion) blocks.Calibration {
	return blocks.Calibration{
		VersionID: v.ID, Source: v.Source, CreatedAt: v.CreatedAt, InForce: v.Replaces, AUCBefore: v.AUCBefore,
		AUCAfter: v.AUCAfter, Summary: v.Summary, Status: string(v.Status), DecidedBy: v.DecidedBy, DecidedAt: v.DecidedAt,
	}
}

var errBadCalibrationButton = healthbot.Errorf(healthbot.EINVALID, "That button no longer works: run healthbot scorecards list to see the versions.")

// decide applies Approve or Dismiss once. The click that decides rewrites
// the message (who, when, no buttons); any later click, here or on another
// replica, only tells the clicker what was decided.
func (c *Calibrations) decide(ctx context.Context, act Action, status store.VersionStatus) (Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 {
		return Message{}, errBadCalibrationButton
	}
	v, won, err := c.cfg.Store.DecideScorecardVersion(ctx, id, status, act.UserID, c.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That calibration no longer exists.", Err: err}
	}
	if err != nil {
		return Message{}, healthbot.Wrap(err, "I could not record that just now. Please try again.")
	}
	if !won {
		return Message{Text: blocks.CalibrationAlreadyDecided(calibrationView(v))}, nil
	}
	c.cfg.Logger.InfoContext(ctx, "calibration decided", "version", v.ID, "status", v.Status, "by", v.DecidedBy)
	view := calibrationView(v)
	return Message{Text: blocks.CalibrationText(view), Blocks: blocks.CalibrationBlocks(view), ReplaceOriginal: true, InChannel: true}, nil
}
