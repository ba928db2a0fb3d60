package outcomes

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// RegisterButtons routes the outcome question's reason menu, its Add a
// note button and the note modal.
func (o *Outcomes) RegisterButtons(r Registrar) {
	r.Action(blocks.ActionOutcomeReason, outcomeReason{o})
	r.Action(blocks.ActionOutcomeNote, outcomeNoteButton{o})
	r.ViewSubmission(blocks.CallbackOutcomeNote, outcomeNoteSubmit{o})
}

// outcomeReason stores the reason picked in the menu as the main (only)
// reason, keeping the note.
type outcomeReason struct{ o *Outcomes }

var _ chat.ActionHandler = outcomeReason{}

func (h outcomeReason) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, ok := blocks.OutcomeIDFromBlock(act.BlockID)
	if !ok || !knownReason(act.Value) {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That menu no longer works.")
	}
	cur, err := h.o.load(ctx, id)
	if err != nil {
		return chat.Message{}, err
	}
	return h.o.answer(ctx, act, cur, []string{act.Value}, cur.Note)
}

// outcomeNoteButton opens the modal with every reason and a note.
type outcomeNoteButton struct{ o *Outcomes }

var _ chat.ActionHandler = outcomeNoteButton{}

func (h outcomeNoteButton) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That button no longer works.")
	}
	cur, err := h.o.load(ctx, id)
	if err != nil {
		return chat.Message{}, err
	}
	card, err := h.o.store.Card(ctx, cur.AccountID, 0)
	if err != nil {
		return chat.Message{}, outcomeErr(err)
	}
	view := blocks.OutcomeNoteModal(question(cur, card.Account))
	if _, err := h.o.slack.OpenViewContext(ctx, act.TriggerID, view); err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not open the note form. Please click Add a note again.")
	}
	return chat.Message{}, nil
}

// outcomeNoteSubmit stores the modal's reasons and note.
type outcomeNoteSubmit struct{ o *Outcomes }

var _ chat.ActionHandler = outcomeNoteSubmit{}

func (h outcomeNoteSubmit) HandleAction(ctx context.Context, act chat.Action) (chat.Message, error) {
	id, err := strconv.ParseInt(act.Value, 10, 64)
	if err != nil || id <= 0 || act.Callback == nil {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "That form no longer works.")
	}
	reasons, note := noteForm(act.Callback.View.State)
	for _, r := range reasons {
		if !knownReason(r) {
			return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "%q is not a reason I know.", r)
		}
	}
	if utf8.RuneCountInString(note) > blocks.MaxOutcomeNote {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "The note is longer than %d characters; please shorten it.", blocks.MaxOutcomeNote)
	}
	cur, err := h.o.load(ctx, id)
	if err != nil {
		return chat.Message{}, err
	}
	return h.o.answer(ctx, act, cur, reasons, note)
}

// noteForm reads the modal's checked reasons and note.
func noteForm(state *slack.ViewState) ([]string, string) {
	if state == nil {
		return nil, ""
	}
	var reasons []string
	for _, o := range state.Values[blocks.OutcomeReasonsBlock][blocks.OutcomeReasonsInput].SelectedOptions {
		reasons = append(reasons, o.Value)
	}
	return reasons, strings.TrimSpace(state.Values[blocks.OutcomeNoteBlock][blocks.OutcomeNoteInput].Value)
}

func (o *Outcomes) load(ctx context.Context, id int64) (store.Outcome, error) {
	cur, err := o.store.Outcome(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return store.Outcome{}, errOutcomeGone
	}
	if err != nil {
		return store.Outcome{}, outcomeErr(err)
	}
	return cur, nil
}

// answer stores the answer, then shows it on the question message.
func (o *Outcomes) answer(ctx context.Context, act chat.Action, cur store.Outcome, reasons []string, note string) (chat.Message, error) {
	got, err := o.store.AnswerOutcome(ctx, cur.ID, reasons, note, act.UserID, o.now())
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, errOutcomeGone
	}
	if err != nil {
		return chat.Message{}, outcomeErr(err)
	}
	card, err := o.store.Card(ctx, got.AccountID, 0)
	if err != nil {
		o.log.ErrorContext(ctx, "outcome answered; question message not updated", "outcome", got.ID, "err", err)
		return chat.Message{}, nil
	}
	q := question(got, card.Account)
	text, bs := blocks.OutcomeText(q), blocks.OutcomeBlocks(q)
	for _, r := range chat.UniqueRefs(chat.MessageRef{Channel: got.DMChannelID, TS: got.DMMessageTS}, chat.MessageRef{Channel: act.ChannelID, TS: act.MessageTS}) {
		err := o.retry.Do(ctx, func(ctx context.Context) error {
			_, _, _, err := o.slack.UpdateMessageContext(ctx, r.Channel, r.TS, slack.MsgOptionText(text, false), slack.MsgOptionBlocks(bs...))
			return err
		})
		if err != nil {
			o.log.ErrorContext(ctx, "outcome answered; question message not updated", "outcome", got.ID, "channel", r.Channel, "err", err)
		}
	}
	return chat.Message{}, nil
}

func knownReason(code string) bool {
	return slices.ContainsFunc(blocks.OutcomeReasons(), func(r blocks.Reason) bool { return r.Code == code })
}
