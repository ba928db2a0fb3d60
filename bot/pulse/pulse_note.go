package pulse

import (
	"context"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/scoring"
)

// OpenNote handles "Add note": it opens the note modal (views.open),
// prefilled with the week's answer so far.
func (p *Pulse) OpenNote(ctx context.Context, act chat.Action) (chat.Message, error) {
	accountID, week, err := blocks.ParsePulseValue(act.Value)
	if err != nil {
		return chat.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That button no longer works; use this week's check-in.", Err: err}
	}
	if p.slack == nil || act.TriggerID == "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "I cannot open a form here; use `%s pulse ACCOUNT RATING reasons… note` instead.", health.HelpCommand)
	}
	from := p.clicked(ctx, act.ChannelID, act.MessageTS)
	_, loc, err := p.answerer(ctx, act.UserID, from)
	if err != nil {
		return chat.Message{}, err
	}
	if p.closed(week, loc) {
		return chat.Message{}, errPulseClosed(week)
	}
	rows, err := p.store.PulseAccounts(ctx, []int64{accountID}, week)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not open the note just now. Please try again.")
	}
	if len(rows) == 0 {
		return chat.Message{}, healthbot.Errorf(healthbot.ENOTFOUND, "That account no longer exists in healthbot.")
	}
	n := blocks.PulseNote{AccountID: accountID, Name: rows[0].Name, Week: week, ChannelID: act.ChannelID, TS: act.MessageTS}
	if a := rows[0].Answer; a != nil {
		n.Rating, n.Reasons, n.Note = a.Rating, a.Reasons, a.Note
	}
	// No 429 retry: a trigger_id lives three seconds, a wait would outlast it.
	if _, err := p.slack.OpenViewContext(ctx, act.TriggerID, blocks.PulseNoteModal(n)); err != nil {
		return chat.Message{}, healthbot.Wrap(err, "Slack would not open the note form; please click Add note again.")
	}
	return chat.Message{}, nil
}

// SubmitNote handles the note modal: rating, reasons and note replace the
// week's answer for the account, then the check-in is redrawn. The
// answer is stored before any message changes.
func (p *Pulse) SubmitNote(ctx context.Context, act chat.Action) (chat.Message, error) {
	n, err := blocks.ParsePulseNoteMeta(act.Value)
	if err != nil || act.Callback == nil {
		return chat.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That form no longer works; click Add note again.", Err: err}
	}
	rating, reasons, note := blocks.PulseNoteForm(act.Callback.View.State)
	from := p.clicked(ctx, n.ChannelID, n.TS)
	csm, loc, err := p.answerer(ctx, act.UserID, from)
	if err != nil {
		return chat.Message{}, err
	}
	if p.closed(n.Week, loc) {
		return chat.Message{}, errPulseClosed(n.Week)
	}
	if rating == "" {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "Your note was not saved: pick Healthy, Concerning or Poor in the form.")
	}
	pulse := scoring.Pulse{AccountID: n.AccountID, CSMID: csm.ID, Rating: rating, Reasons: reasons, Note: note,
		Week: n.Week, AnsweredAt: p.now(), Source: "slack"}
	if err := pulseTextErr(pulse); err != nil {
		return chat.Message{}, err
	}
	if err := p.store.IntakePulse(ctx, pulse); err != nil {
		return chat.Message{}, pulseWriteErr(err)
	}
	if !p.redrawAll(ctx, csm.ID, n.Week, n.AccountID, from) && from != nil {
		return chat.Message{Text: "Your note is saved; I could not update the check-in message to show it."}, nil
	}
	return chat.Message{}, nil
}

// pulseTextErr checks a pulse's note and reasons by the intake's text
// policy (the same caps as /v1/pulses), so no path stores what another
// refuses.
func pulseTextErr(pl scoring.Pulse) error {
	if why := valid.Text(valid.Note, pl.Note); why != "" {
		return healthbot.Errorf(healthbot.EINVALID, "Your pulse was not saved: the note %s.", why)
	}
	for _, r := range pl.Reasons {
		if why := valid.Text(valid.Reason, r); why != "" {
			return healthbot.Errorf(healthbot.EINVALID, "Your pulse was not saved: a reason %s.", why)
		}
	}
	return nil
}
