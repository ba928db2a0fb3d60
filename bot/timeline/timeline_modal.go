package timeline

import (
	"context"
	"errors"
	"strconv"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

// openLog is the Log button on cards and alerts: it opens the log modal.
func (t *Timeline) openLog(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That button no longer works; use `%s log ACCOUNT what you did`.", health.HelpCommand)
	}
	if t.slack == nil || act.TriggerID == "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "I cannot open a form here; use `%s log ACCOUNT what you did`.", health.HelpCommand)
	}
	c, err := t.health.Store().Card(ctx, id, 0)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not open the form just now. Please try again.")
	}
	// No 429 retry: a trigger_id lives three seconds.
	if _, err := t.slack.OpenViewContext(ctx, act.TriggerID, blocks.LogModal(id, c.Account.Name)); err != nil {
		return chat.Message{}, healthbot.Wrap(err, "Slack would not open the form; please click Log again.")
	}
	return chat.Message{}, nil
}

// submitLog records the log modal's touchpoint (the router has checked the
// form with blocks.LogErrors) and confirms it to the user.
func (t *Timeline) submitLog(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 || act.Callback == nil {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That form no longer works; click Log again.")
	}
	kind, note := blocks.LogForm(act.Callback.View.State)
	if !blocks.IsLogKind(kind) {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Pick call, meeting, email, QBR or other.")
	}
	err = t.record(ctx, act.UserID, store.Touchpoint{AccountID: id, Kind: kind, Note: note})
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not save that just now. Please try again.")
	}
	access.NoteAccounts(ctx, id)
	text := "Logged " + blocks.TouchKindLabel(kind) + ". It is on the card's timeline."
	return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
}
