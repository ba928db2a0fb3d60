package alerts

import (
	"context"
	"errors"
	"strconv"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// CardMessenger renders an account card; bot's *Health has it.
type CardMessenger interface {
	CardMessage(ctx context.Context, accountID int64, sharedBy string) (chat.Message, error)
}

// RegisterButtons routes the alert messages' buttons: Acknowledge, Snooze,
// Assign to… and Open card (rendered by cards).
func (a *Alerts) RegisterButtons(r Registrar, cards CardMessenger) {
	r.Action(blocks.ActionAlertAck, alertAck{a})
	r.Action(blocks.ActionAlertSnooze, alertSnooze{a})
	r.Action(blocks.ActionAlertAssign, alertAssign{a})
	r.Action(blocks.ActionAlertOpen, alertOpen{a, cards})
	r.Action(blocks.ActionAlertNotUseful, alertNotUseful{a})
	r.ViewSubmission(blocks.CallbackAlertNotUseful, alertNotUsefulReason{a})
}

// alreadyResolved is the answer to a click on an alert that resolved.
const alreadyResolved = "That alert is already resolved, so there is nothing left to do."

var errBadAlertButton = healthbot.Errorf(healthbot.EINVALID, "That button no longer works. Open the account with /health instead.")

// alertIDOf reads the alert id from a button's value, or from the block
// ID of the Assign menu (which has no value).
func alertIDOf(act chat.Action) (int64, error) {
	if id, err := strconv.ParseInt(act.Value, 10, 64); err == nil && id > 0 {
		return id, nil
	}
	if id, ok := blocks.AlertIDFromBlock(act.BlockID); ok {
		return id, nil
	}
	return 0, errBadAlertButton
}

// errAlertGone is the answer to a click on an alert that no longer exists.
func errAlertGone(err error) error {
	return &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That alert no longer exists.", Err: err}
}

// alertOf loads the alert behind a button, answering the clicker in words
// when the button is stale or the alert is gone.
func (a *Alerts) alertOf(ctx context.Context, act chat.Action) (store.AlertRecord, error) {
	id, err := alertIDOf(act)
	if err != nil {
		return store.AlertRecord{}, err
	}
	rec, err := a.store.Alert(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.AlertRecord{}, errAlertGone(err)
	}
	if err != nil {
		return store.AlertRecord{}, healthbot.Wrap(err, "I could not load that alert just now. Please try again.")
	}
	return rec, nil
}

// afterChange runs once an action changed an alert and its messages were
// rewritten, with the alert before and after and the account's card.
type afterChange func(ctx context.Context, before, after store.AlertRecord, card store.Card)

// change applies a person's action to the alert behind act and rewrites
// both of its messages (channel and DM) to show the new state, then runs
// then (if any). A resolved alert is left alone and the clicker told so.
func (a *Alerts) change(ctx context.Context, act chat.Action, next func(cur store.AlertRecord) store.AlertChange, then afterChange) (chat.Message, error) {
	cur, err := a.alertOf(ctx, act)
	if err != nil {
		return chat.Message{}, err
	}
	if cur.State == scoring.AlertResolved {
		return chat.Message{Text: alreadyResolved}, nil
	}
	rec, err := a.store.ChangeAlert(ctx, cur.ID, next(cur), a.now())
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{Text: alreadyResolved}, nil // it resolved between the read and the write
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not update that alert just now. Please try again.")
	}
	card, ok := a.refresh(ctx, rec, &chat.MessageRef{Channel: act.ChannelID, TS: act.MessageTS})
	if ok && then != nil {
		then(ctx, cur, rec, card)
	}
	return chat.Message{}, nil
}

// refresh rewrites the alert's messages (and the clicked one) from the
// store's current account and score, and returns the card it read them
// from; ok is false when the account could not be read.
func (a *Alerts) refresh(ctx context.Context, rec store.AlertRecord, clicked *chat.MessageRef) (card store.Card, ok bool) {
	card, err := a.store.Card(ctx, rec.AccountID, 0)
	if err != nil {
		a.log.ErrorContext(ctx, "alert changed but its messages not updated: account unreadable", "alert", rec.ID, "err", err)
		return store.Card{}, false
	}
	var sum AlertRunSummary
	a.updateAll(ctx, rec, a.Message(rec, card.Account, card.Score), clicked, &sum)
	return card, true
}
