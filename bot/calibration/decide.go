package calibration

import (
	"context"
	"errors"
	"strconv"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

var errBadButton = healthbot.Errorf(healthbot.EINVALID, "That button no longer works: run healthbot scorecards list to see the versions.")

// decide applies Approve or Dismiss once. The click that decides rewrites
// the message (who, when, no buttons); any later click, here or on another
// replica, only tells the clicker what was decided.
func (c *Calibrations) decide(ctx context.Context, act chat.Action, status store.VersionStatus) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 {
		return chat.Message{}, errBadButton
	}
	v, won, err := c.cfg.Store.DecideScorecardVersion(ctx, id, status, act.UserID, c.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That calibration no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not record that just now. Please try again.")
	}
	if !won {
		return chat.Message{Text: blocks.CalibrationAlreadyDecided(viewOf(v))}, nil
	}
	c.cfg.Logger.InfoContext(ctx, "calibration decided", "version", v.ID, "status", v.Status, "by", v.DecidedBy)
	view := viewOf(v)
	return chat.Message{Text: blocks.CalibrationText(view), Blocks: blocks.CalibrationBlocks(view), ReplaceOriginal: true, InChannel: true}, nil
}
