package bot

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/internal/safely"
	"github.com/slack-go/slack/slackevents"
)

// event routes any other Events API event (app_home_opened, channel
// messages, …) to the EventHandler registered for its type; errors and
// panics are logged, there being no one to answer.
func (r *Router) event(teamID string, outer *slackevents.EventsAPICallbackEvent, inner slackevents.EventsAPIInnerEvent) Dispatch {
	h, ok := r.eventHandler(inner.Type)
	if !ok {
		r.log.Debug("event without a handler", "type", inner.Type, "event_id", outer.EventID)
		return Dispatch{}
	}
	user, channel := eventParties(outer)
	ev := Event{Type: inner.Type, EventID: outer.EventID, TeamID: teamID, UserID: user, ChannelID: channel, Data: inner.Data}
	return r.dispatch("event "+inner.Type, func(ctx context.Context) {
		ctx, state, ok := r.admitEvent(ctx, h, ev)
		if !ok {
			return
		}
		err := safely.Call(func() error { return h.HandleEvent(ctx, ev) })
		r.audited(ctx, access.SurfaceEvent, Request{UserID: ev.UserID, ChannelID: ev.ChannelID}, state)
		if err == nil {
			r.metrics.handled.WithLabelValues("event", "ok").Inc()
			return
		}
		r.metrics.handled.WithLabelValues("event", "failed").Inc()
		attrs := []any{"type", ev.Type, "event_id", ev.EventID, "user", ev.UserID, "channel", ev.ChannelID, "err", err}
		if p, ok := errors.AsType[*safely.PanicError](err); ok {
			attrs = append(attrs, "stack", string(p.Stack))
		}
		r.log.Error("slack event handler failed", attrs...)
	})
}

// eventIDTTL outlives Slack's retry schedule (immediately, 1 and 5 minutes).
const eventIDTTL = time.Hour

// eventIDs remembers the event_ids taken recently, so a retry of an event
// already handled is not handled twice.
type eventIDs struct {
	now       func() time.Time
	mu        sync.Mutex
	seen      map[string]time.Time
	lastSweep time.Time
}

func newEventIDs(now func() time.Time) *eventIDs {
	return &eventIDs{now: now, seen: make(map[string]time.Time)}
}

// first records id and reports whether it is new. Events without an id
// are always new.
func (e *eventIDs) first(id string) bool {
	if id == "" {
		return true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	if now.Sub(e.lastSweep) >= time.Minute {
		e.lastSweep = now
		for k, t := range e.seen {
			if now.Sub(t) >= eventIDTTL {
				delete(e.seen, k)
			}
		}
	}
	if t, ok := e.seen[id]; ok && now.Sub(t) < eventIDTTL {
		return false
	}
	e.seen[id] = now
	return true
}

// forget un-records id, for an event we could not take after all.
func (e *eventIDs) forget(id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.seen, id)
}
