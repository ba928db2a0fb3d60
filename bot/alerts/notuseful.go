package alerts

import (
	"context"
	"errors"
	"strconv"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// alertNotUseful is the Not useful button: the vote is stored at once
// (counted in `healthbot alerts stats` and the digest), then a modal asks
// for an optional reason.
type alertNotUseful struct{ a *Alerts }

var _ chat.ActionHandler = alertNotUseful{}

func (h alertNotUseful) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	rec, err := h.a.alertOf(ctx, act)
	if err != nil {
		return chat.Message{}, err
	}
	if err := h.a.store.MarkAlertNotUseful(ctx, rec.ID, act.UserID, "", h.a.now()); err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not record that just now. Please try again.")
	}
	thanks := chat.Message{Text: "Thanks — marked *" + blocks.AlertTitle(rec.Kind) + "* as not useful. The digest names rules that are not useful more than half the time."}
	if h.a.views == nil || act.TriggerID == "" {
		return thanks, nil
	}
	card, err := h.a.store.Card(ctx, rec.AccountID, 0)
	if err != nil {
		return thanks, nil // the vote is stored; the reason form is a nicety
	}
	if _, err := h.a.views.OpenViewContext(ctx, act.TriggerID, blocks.NotUsefulModal(h.a.Message(rec, card.Account, card.Score))); err != nil {
		h.a.log.WarnContext(ctx, "not-useful reason form not opened; the vote is stored", "alert", rec.ID, "err", err)
		return thanks, nil
	}
	return chat.Message{}, nil
}

// alertNotUsefulReason is the reason modal's submission.
type alertNotUsefulReason struct{ a *Alerts }

var _ chat.ActionHandler = alertNotUsefulReason{}

func (h alertNotUsefulReason) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 || act.Callback == nil {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That form no longer works.")
	}
	reason := blocks.NotUsefulReason(act.Callback.View.State)
	if reason == "" {
		return chat.Message{}, nil
	}
	err = h.a.store.MarkAlertNotUseful(ctx, id, act.UserID, reason, h.a.now())
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, errAlertGone(err)
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not save the reason just now. Please try again.")
	}
	return chat.Message{Text: "Thanks — reason noted."}, nil
}
