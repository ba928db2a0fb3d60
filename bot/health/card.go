package health

import (
	"context"
	"errors"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// CardMessage renders one account's card. With sharedBy (a Slack user id)
// it is the in-channel copy, without the Share button.
func (h *Health) CardMessage(ctx context.Context, accountID int64, sharedBy string) (chat.Message, error) {
	c, err := h.store.Card(ctx, accountID, HistoryDays)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, &healthbot.Error{Code: healthbot.ENOTFOUND, Message: "That account no longer exists.", Err: err}
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load that account just now. Please try again.")
	}
	access.NoteAccounts(ctx, accountID) // the audit trail: who looked at which account
	v := cardView(c, h.now())
	v.TextChart = h.TextCharts
	v.SharedBy = sharedBy
	v.Containers = !h.TextTables
	if h.Timeline != nil {
		tl, err := h.Timeline.CardTimeline(ctx, accountID)
		if err != nil {
			return chat.Message{}, healthbot.Wrap(err, "I could not load that account just now. Please try again.")
		}
		v.Timeline = tl
	}
	msg := chat.Message{Text: blocks.CardText(v), Blocks: blocks.CardBlocks(v)}
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
		series := make([]scoring.SeriesPoint, 0, len(c.History)+1)
		for _, p := range c.History {
			if scoring.Scored(p.Band) {
				series = append(series, scoring.SeriesPoint{Date: p.AsOf, Value: p.Value})
			}
		}
		series = append(series, scoring.SeriesPoint{Date: c.Score.AsOf, Value: c.Score.Value})
		t := scoring.TrendAt(series, c.Score.AsOf)
		v.Delta7, v.Delta28 = deltaOf(t.Delta7, t.Has7), deltaOf(t.Delta28, t.Has28)
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

// deltaOf is a trend's delta as the card shows it: nil when there is none.
func deltaOf(d float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	return &d
}
