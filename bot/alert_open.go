package bot

import (
	"context"
	"errors"

	"github.com/healthbot/healthbot/store"
)

// alertOpen is the Open card button: the account card, to the clicker only.
type alertOpen struct {
	a     *Alerts
	cards CardMessenger
}

var _ ActionHandler = alertOpen{}

func (h alertOpen) HandleAction(ctx context.Context, act Action) (Message, error) {
	id, err := alertIDOf(act)
	if err != nil {
		return Message{}, err
	}
	rec, err := h.a.store.Alert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, &UserError{Code: "not_found", Message: "That alert no longer exists.", Err: err}
	}
	if err != nil {
		return Message{}, Wrap(err, "alert", "I could not load that alert just now. Please try again.")
	}
	return h.cards.CardMessage(ctx, rec.AccountID, "")
}
