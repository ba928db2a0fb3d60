package calibration

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

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
	view := viewOf(rec)
	var ch, ts string
	err = c.cfg.Retry.DoFinishing(ctx, func(ctx context.Context) error { // recorded as posted: finish it
		var err error
		ch, ts, err = c.cfg.Slack.PostMessageContext(ctx, c.cfg.Channel,
			chat.MsgOptions(chat.Message{Text: blocks.CalibrationText(view), Blocks: blocks.CalibrationBlocks(view)}, "")...)
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
		_, _, err := c.cfg.Slack.PostMessageContext(ctx, c.cfg.Channel, chat.MsgOptions(chat.Message{Text: text}, "")...)
		return err
	})
}

// viewOf is a stored version as the ops channel shows it. The
// message is rebuilt from the store alone, so a decision made on another
// replica renders the same.
func viewOf(v store.ScorecardVersion) blocks.Calibration {
	return blocks.Calibration{
		VersionID: v.ID, Source: v.Source, CreatedAt: v.CreatedAt, InForce: v.Replaces, AUCBefore: v.AUCBefore,
		AUCAfter: v.AUCAfter, Summary: v.Summary, Status: string(v.Status), DecidedBy: v.DecidedBy, DecidedAt: v.DecidedAt,
	}
}
