package bot

import (
	"context"
	"errors"
	"time"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// CardMessage renders one account's card. With sharedBy (a Slack user id)
// it is the in-channel copy, without the Share button.
func (h *Health) CardMessage(ctx context.Context, accountID int64, sharedBy string) (Message, error) {
	c, err := h.store.Card(ctx, accountID, HistoryDays)
	if errors.Is(err, store.ErrNotFound) {
		return Message{}, &UserError{Code: "not_found", Message: "That account no longer exists.", Err: err}
	}
	if err != nil {
		return Message{}, Wrap(err, "card", "I could not load that account just now. Please try again.")
	}
	NoteAccounts(ctx, accountID) // the audit trail: who looked at which account
	v := cardView(c, h.now())
	v.TextChart = h.TextCharts
	v.SharedBy = sharedBy
	v.Containers = !h.TextTables
	if h.Timeline != nil {
		tl, err := h.Timeline.cardTimeline(ctx, accountID)
		if err != nil {
			return Message{}, Wrap(err, "card", "I could not load that account just now. Please try again.")
		}
		v.Timeline = tl
	}
	msg := Message{Text: blocks.CardText(v), Blocks: blocks.CardBlocks(v)}
	if !v.TextChart || v.Containers {
		// A workspace that refuses the chart or container blocks gets the
		// sparkline and plain sections.
		v.TextChart, v.Containers = true, false
		msg.Fallback = blocks.CardBlocks(v)
	}
	return msg, nil
}

// cardView turns stored card data into what the renderer draws.
func cardView(c store.Card, now time.Time) blocks.Card {
	v := blocks.Card{Account: c.Account, Score: c.Score, LastPulse: c.LastPulse, Now: now}
	if c.Score.HasScore() {
		v.Delta7 = deltaBefore(c.History, c.Score, 7)
		v.Delta28 = deltaBefore(c.History, c.Score, 28)
	}
	pts := make([]blocks.Point, len(c.History))
	for i, p := range c.History {
		pts[i] = blocks.Point{AsOf: p.AsOf, Value: p.Value, Band: p.Band}
	}
	v.History = blocks.Weekly(pts, blocks.MaxChartPoints)
	for _, a := range c.Alerts {
		v.Alerts = append(v.Alerts, blocks.Alert{Kind: a.Kind, Summary: a.Summary, State: a.State, FiredAt: a.FiredAt, SnoozedUntil: a.SnoozedUntil})
	}
	return v
}

// deltaBefore is the change of the newest score against the newest scored
// point at least days before it and less than a week earlier than that
// (the same rule as store.AccountLines); nil when there is none.
func deltaBefore(hist []store.ScorePoint, cur scoring.Score, days int) *float64 {
	to := cur.AsOf.AddDate(0, 0, -days)
	from := to.AddDate(0, 0, -7)
	for i := len(hist) - 1; i >= 0; i-- {
		p := hist[i]
		if p.AsOf.After(to) {
			continue
		}
		if !p.AsOf.After(from) {
			return nil
		}
		if p.Band != scoring.BandNone && p.Band != "" {
			d := cur.Value - p.Value
			return &d
		}
	}
	return nil
}
