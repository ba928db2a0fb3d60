package bot

import (
	"context"
	"errors"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/chat"
)

// ShareRefusedText answers Share in channel (or any answer meant for the
// whole channel) in a channel shared with another organisation.
const ShareRefusedText = "I can't post account data in this channel: it is shared with another organisation (Slack Connect). The card stays visible to you only."

// shareUncheckedText answers it when Slack could not say whether the
// channel is shared.
const shareUncheckedText = "I couldn't check whether this channel is shared with another organisation, so I did not post the card here. The card stays visible to you only."

// openEvents are the event types that run for anyone, because their
// handlers show no account data to the sender: channel messages only feed
// conversation signals, which record counts, never text.
var openEvents = map[string]bool{"message": true}

// RefusedEventHandler is chat.RefusedEventHandler.
type RefusedEventHandler = chat.RefusedEventHandler

// admit asks the Gate about req before its handler runs. Allowed: the
// context carries the Decision (access.IsManager, access.NoteAccounts). Refused: the
// refusal is recorded and answered, and ok is false.
func (r *Router) admit(ctx context.Context, kind string, surface access.Surface, req Request) (_ context.Context, _ *access.State, ok bool) {
	if r.access == nil {
		return ctx, nil, true
	}
	d := r.access.Decide(ctx, access.Caller{UserID: req.UserID, TeamID: req.TeamID, ChannelID: req.ChannelID, Surface: surface})
	if d.Allowed {
		ctx, s := access.WithDecision(ctx, d)
		return ctx, s, true
	}
	r.access.Record(ctx, auditOf(surface, req, d.Reason))
	r.metrics.handled.WithLabelValues(kind, "refused").Inc()
	r.log.InfoContext(ctx, "slack request refused", "surface", surface, "reason", d.Reason, "user", req.UserID, "team", req.TeamID, "channel", req.ChannelID)
	var msg Message
	switch {
	case surface == access.SurfaceView:
		return ctx, nil, false // a modal closed; nowhere sensible to answer
	case surface == access.SurfaceMention && d.SharedChannel && d.Reason != access.ReasonSharedChan:
		return ctx, nil, false // outsiders' mentions in shared channels are ignored
	case surface == access.SurfaceMention:
		msg = Message{Text: d.Reason.Text(), Ephemeral: true}
	default:
		msg = Message{Text: d.Reason.Text()}
	}
	if err := r.respond.Respond(ctx, req, msg); err != nil {
		r.log.ErrorContext(ctx, "slack refusal not delivered", "surface", surface, "user", req.UserID, "channel", req.ChannelID, "err", err)
	}
	return ctx, nil, false
}

// publicly lets msg, meant for the whole channel, through only when the
// channel is not shared with another organisation; otherwise the asker is
// told why, and the refusal recorded.
func (r *Router) publicly(ctx context.Context, surface access.Surface, req Request, msg Message) (Message, bool) {
	if r.access == nil {
		return msg, true
	}
	err := r.access.CheckChannel(ctx, req.ChannelID)
	if err == nil {
		return msg, true
	}
	reason, text := access.ReasonSharedChan, ShareRefusedText
	if !errors.Is(err, access.ErrSharedChannel) {
		reason, text = access.ReasonLookupFailed, shareUncheckedText
		r.log.WarnContext(ctx, "cannot tell whether the channel is shared; not posting there", "surface", surface, "channel", req.ChannelID, "err", err)
	}
	r.access.Record(ctx, auditOf(surface, req, reason))
	return Message{Text: text, Ephemeral: true}, false
}

// audited records an allowed request with the accounts it showed.
func (r *Router) audited(ctx context.Context, surface access.Surface, req Request, s *access.State) {
	if r.access == nil || s == nil {
		return
	}
	e := auditOf(surface, req, "")
	e.Allowed, e.AccountIDs = true, s.Noted()
	r.access.Record(ctx, e)
}

func auditOf(surface access.Surface, req Request, reason access.Reason) access.AuditEntry {
	return access.AuditEntry{UserID: req.UserID, TeamID: req.TeamID, ChannelID: req.ChannelID, Surface: surface, Reason: reason}
}

// admitEvent is admit for Events API events: open event types and events
// without a user pass; a refused user's event goes to the handler's
// HandleRefused, if it has one.
func (r *Router) admitEvent(ctx context.Context, h EventHandler, ev Event) (_ context.Context, _ *access.State, ok bool) {
	if r.access == nil || openEvents[ev.Type] || ev.UserID == "" {
		return ctx, nil, true
	}
	d := r.access.Decide(ctx, access.Caller{UserID: ev.UserID, ChannelID: ev.ChannelID, Surface: access.SurfaceEvent})
	if d.Allowed {
		ctx, s := access.WithDecision(ctx, d)
		return ctx, s, true
	}
	req := Request{UserID: ev.UserID, ChannelID: ev.ChannelID}
	r.access.Record(ctx, auditOf(access.SurfaceEvent, req, d.Reason))
	r.metrics.handled.WithLabelValues("event", "refused").Inc()
	r.log.InfoContext(ctx, "slack event refused", "type", ev.Type, "reason", d.Reason, "user", ev.UserID)
	if rh, ok := h.(RefusedEventHandler); ok {
		if err := rh.HandleRefused(ctx, ev); err != nil {
			r.log.ErrorContext(ctx, "refused event not answered", "type", ev.Type, "user", ev.UserID, "err", err)
		}
	}
	return ctx, nil, false
}
