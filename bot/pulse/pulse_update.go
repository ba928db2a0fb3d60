package pulse

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// clicked is the pulse message an interaction came from, nil when unknown.
func (p *Pulse) clicked(ctx context.Context, channelID, ts string) *store.PulseMessage {
	if channelID == "" || ts == "" {
		return nil
	}
	m, err := p.store.PulseMessageAt(ctx, channelID, ts)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			p.log.WarnContext(ctx, "cannot read the clicked pulse message", "channel", channelID, "ts", ts, "err", err)
		}
		return nil
	}
	return &m
}

// answerer is the CSM behind a click and their zone: the CSM with the
// user's Slack id, else the CSM the clicked check-in was sent to.
func (p *Pulse) answerer(ctx context.Context, userID string, from *store.PulseMessage) (scoring.CSM, *time.Location, error) {
	c, err := p.store.CSMBySlackID(ctx, userID)
	switch {
	case err == nil:
		return c, p.zones.load(c.TZ), nil
	case !errors.Is(err, store.ErrNotFound):
		return c, nil, healthbot.Wrap(err, "I could not look you up just now. Please try again.")
	case from != nil:
		return scoring.CSM{ID: from.CSMID}, p.zones.load(""), nil
	}
	return c, nil, healthbot.Errorf(healthbot.EFORBIDDEN, "I only take pulses from account owners, and I don't know you as one. Ask whoever runs healthbot to add you as an owner.")
}

// redrawAll redraws every message of the CSM's week that lists the
// account, and the clicked one; it reports whether the clicked one was
// redrawn. Failures are logged: the answer is already stored.
func (p *Pulse) redrawAll(ctx context.Context, csmID int64, week string, accountID int64, from *store.PulseMessage) bool {
	if p.slack == nil {
		return false
	}
	msgs, err := p.store.PulseMessagesOf(ctx, csmID, week)
	if err != nil {
		p.log.WarnContext(ctx, "cannot list the pulse messages to update", "csm", csmID, "week", week, "err", err)
	}
	same := func(m store.PulseMessage) bool {
		return from != nil && m.ChannelID == from.ChannelID && m.TS == from.TS
	}
	if from != nil && !slices.ContainsFunc(msgs, same) {
		msgs = append(msgs, *from)
	}
	pages := map[string]int{}
	for _, m := range msgs {
		pages[m.Kind] = max(pages[m.Kind], m.Page+1)
	}
	redrawn := false
	for _, m := range msgs {
		if !slices.Contains(m.AccountIDs, accountID) && !same(m) {
			continue
		}
		if err := p.redraw(ctx, m, pages[m.Kind]); err != nil {
			p.log.WarnContext(ctx, "pulse answer stored but its message not updated", "channel", m.ChannelID, "ts", m.TS, "err", err)
			continue
		}
		redrawn = redrawn || same(m)
	}
	return redrawn
}

// redraw re-renders one pulse message from the store (chat.update); one
// message is redrawn by one click at a time, so the last update shows
// every answer.
func (p *Pulse) redraw(ctx context.Context, m store.PulseMessage, pages int) error {
	defer p.locks.lock(m.ChannelID + "|" + m.TS)()
	rows, err := p.store.PulseAccounts(ctx, m.AccountIDs, m.Week)
	if err != nil {
		return err
	}
	msg := pulsePage(rows, m.Week, m.Kind, m.Page, max(pages, m.Page+1), p.now())
	return p.retry.Do(ctx, func(ctx context.Context) error {
		_, _, _, err := p.slack.UpdateMessageContext(ctx, m.ChannelID, m.TS, chat.MsgOptions(msg, "")...)
		return err
	})
}
