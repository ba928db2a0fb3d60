package alerts

import (
	"context"
	"errors"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// alertOpen is the Open card button: the account card, to the clicker only.
type alertOpen struct {
	a     *Alerts
	cards CardMessenger
}

var _ chat.ActionHandler = alertOpen{}

func (h alertOpen) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := alertIDOf(act)
	if err != nil {
		return chat.Message{}, err
	}
	rec, err := h.a.store.Alert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That alert no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load that alert just now. Please try again.")
	}
	return h.cards.CardMessage(ctx, rec.AccountID, "")
}
