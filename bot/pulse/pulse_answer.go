package pulse

import (
	"context"
	"errors"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// Answer handles a Healthy / Concerning / Poor click: it stores the rating
// for the account and the week on the button (one row per account and
// week, so clicking again changes it), then redraws the check-in to show
// it. A click on a closed week records nothing and says so.
func (p *Pulse) Answer(ctx context.Context, act chat.Action) (chat.Message, error) {
	rating, ok := blocks.RatingOfAction(act.ActionID)
	accountID, week, err := blocks.ParsePulseValue(act.Value)
	if !ok || err != nil {
		return chat.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That button no longer works; use this week's check-in or `" + health.HelpCommand + " pulse`.", Err: err}
	}
	from := p.clicked(ctx, act.ChannelID, act.MessageTS)
	csm, loc, err := p.answerer(ctx, act.UserID, from)
	if err != nil {
		return chat.Message{}, err
	}
	if p.closed(week, loc) {
		return chat.Message{}, errPulseClosed(week)
	}
	pulse := scoring.Pulse{AccountID: accountID, CSMID: csm.ID, Rating: rating, Week: week, AnsweredAt: p.now(), Source: "slack"}
	if _, err := p.store.RecordPulseRating(ctx, pulse); err != nil {
		return chat.Message{}, pulseWriteErr(err)
	}
	if p.redrawAll(ctx, csm.ID, week, accountID, from) {
		return chat.Message{}, nil // the check-in itself now shows the answer
	}
	return chat.Message{Text: "Recorded " + blocks.RatingEmoji(rating) + " " + blocks.RatingName(rating) + " for " + week + "."}, nil
}

// pulseWriteErr says why an answer was not stored, in words for the user.
func pulseWriteErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists in healthbot, so there is nothing to record.", Err: err}
	}
	return pulseStoreErr(err)
}
