package pulse

import (
	"context"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/store"
)

// Later is the check-in's Later button: the check-in comes back
// PulseLaterHours later with the accounts still unanswered — once a week.
func (p *Pulse) Later(ctx context.Context, act chat.Action) (chat.Message, error) {
	week := act.Value
	if _, _, err := blocks.ParseISOWeek(week); err != nil {
		return chat.Message{}, &healthbot.Error{Code: healthbot.EINVALID, Message: "That button no longer works; use this week's check-in.", Err: err}
	}
	from := p.clicked(ctx, act.ChannelID, act.MessageTS)
	c, loc, err := p.answerer(ctx, act.UserID, from)
	if err != nil {
		return chat.Message{}, err
	}
	if p.closed(week, loc) {
		return chat.Message{}, errPulseClosed(week)
	}
	due := p.now().Add(blocks.PulseLaterHours * time.Hour)
	ok, err := p.store.SnoozePulse(ctx, c.ID, week, due)
	if err != nil {
		return chat.Message{}, pulseStoreErr(err)
	}
	if !ok {
		return chat.Message{Text: blocks.PulseLaterAgainText}, nil
	}
	return chat.Message{Text: blocks.PulseLaterText(due.In(loc))}, nil
}

// laterRun is what sendLaters did.
type laterRun struct{ done, messages int }

// sendLaters re-sends the check-ins put off with Later that are due, each
// claimed once ("pulse-later:<csm>" / week). A Later of a CSM who is now
// away or owns nothing is dropped.
func (p *Pulse) sendLaters(ctx context.Context, plans []pulsePlan, now time.Time) (laterRun, error) {
	var r laterRun
	due, err := p.store.DuePulseSnoozes(ctx, now)
	if err != nil || len(due) == 0 {
		return r, err
	}
	byCSM := make(map[int64]pulsePlan, len(plans))
	for _, pl := range plans {
		byCSM[pl.csm.ID] = pl
	}
	for _, d := range due {
		pl, ok := byCSM[d.CSMID]
		if ok {
			pl.week = d.Week
			n, done, err := p.sendClaimed(ctx, pl, laterJob(pl.csm.ID), store.PulseLater, "later check-in")
			r.messages += n
			if err != nil {
				return r, err
			}
			if !done {
				continue // another replica has it
			}
			r.done++
		}
		if err := p.store.PulseSnoozeSent(ctx, d.CSMID, d.Week, now); err != nil {
			return r, err
		}
	}
	return r, nil
}
