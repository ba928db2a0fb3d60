package alerts

import (
	"context"

	"github.com/healthbot/healthbot/bot/chat"
)

// alertOpen is the Open card button: the account card, to the clicker only.
type alertOpen struct {
	a     *Alerts
	cards CardMessenger
}

var _ chat.ActionHandler = alertOpen{}

func (h alertOpen) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	rec, err := h.a.alertOf(ctx, act)
	if err != nil {
		return chat.Message{}, err
	}
	return h.cards.CardMessage(ctx, rec.AccountID, "")
}
