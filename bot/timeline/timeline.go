package timeline

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

// TimelineStore is what the account timeline reads and writes; *store.Store has it.
type TimelineStore interface {
	AddTouchpoint(ctx context.Context, t store.Touchpoint) (int64, error)
	Touchpoints(ctx context.Context, accountID int64, offset, limit int) ([]store.Touchpoint, error)
	CountTouchpoints(ctx context.Context, accountID int64) (int, error)
}

var _ TimelineStore = (*store.Store)(nil)

// Routes is the part of the router the timeline registers its button and
// modal with; *bot.Router has it.
type Routes interface {
	Action(prefix string, h chat.ActionHandler)
	ViewSubmission(callbackID string, h chat.ActionHandler)
	CheckViewSubmission(callbackID string, check chat.SubmissionCheck)
}

// ViewOpener opens modals; *slack.Client has it.
type ViewOpener interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// Timeline is the account timeline of #17: `/health log`, the Log button
// and modal on cards and alerts, `/health timeline`, and the card's last
// three entries. Alert acknowledgements and assignments write to it too
// (alerts.Config.Timeline).
type Timeline struct {
	store  TimelineStore
	slack  ViewOpener
	health *health.Health
	now    func() time.Time
	log    *slog.Logger
}

// NewTimeline builds the timeline over st; views may be nil (no modal:
// the Log button then says to use /health log).
func NewTimeline(st TimelineStore, views ViewOpener, log *slog.Logger, now func() time.Time) *Timeline {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &Timeline{store: st, slack: views, now: now, log: log}
}

// Register adds `/health log` and `/health timeline` to h, makes h's cards
// show the timeline with a Log button, and routes that button and its modal.
func (t *Timeline) Register(r Routes, h *health.Health) {
	t.health = h
	h.Timeline = t
	h.Register(health.Subcommand{Name: "log", Aliases: []string{"touch", "touchpoint"}, Usage: "log ACCOUNT [call|meeting|email|qbr|other] NOTE",
		Summary: "record what you did with an account, e.g. `log acme called the CFO, renewal on track`", Run: t.logCommand})
	h.Register(health.Subcommand{Name: "timeline", Aliases: []string{"history"}, Usage: "timeline ACCOUNT",
		Summary: "what was done with an account, beyond the card's last three", Run: t.show})
	r.Action(blocks.ActionTimelineLog, chat.ActionFunc(t.openLog))
	r.ViewSubmission(blocks.CallbackTimelineLog, chat.ActionFunc(t.submitLog))
	r.CheckViewSubmission(blocks.CallbackTimelineLog, func(cb *slack.InteractionCallback) map[string]string {
		return blocks.LogErrors(cb.View.State)
	})
}

// CardTimeline is the card's timeline section for an account.
func (t *Timeline) CardTimeline(ctx context.Context, accountID int64) (*blocks.Timeline, error) {
	tps, err := t.store.Touchpoints(ctx, accountID, 0, blocks.CardTimeline)
	if err != nil {
		return nil, err
	}
	n, err := t.store.CountTouchpoints(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return &blocks.Timeline{Recent: touchpointsView(tps), More: max(0, n-len(tps))}, nil
}

// record stores one touchpoint by user, linking the CSM behind the user
// when there is one.
func (t *Timeline) record(ctx context.Context, user string, tp store.Touchpoint) error {
	tp.UserID = user
	if tp.At.IsZero() {
		tp.At = t.now()
	}
	if t.health != nil && user != "" {
		if c, err := t.health.CallerCSM(ctx, user); err == nil {
			tp.CSMID = c.ID
		}
	}
	_, err := t.store.AddTouchpoint(ctx, tp)
	return err
}

// RecordAlert writes an alert's Acknowledge or Assign to the account's
// timeline; a failure is logged (the alert change itself stands).
func (t *Timeline) RecordAlert(ctx context.Context, user string, alertID, accountID int64, action, note string) {
	err := t.record(ctx, user, store.Touchpoint{AccountID: accountID, Kind: store.TouchAlert, Note: note, AlertID: alertID, AlertAction: action})
	if err != nil {
		t.log.ErrorContext(ctx, "alert action not written to the timeline", "alert", alertID, "action", action, "err", err)
	}
}

func touchpointsView(tps []store.Touchpoint) []blocks.Touchpoint {
	out := make([]blocks.Touchpoint, len(tps))
	for i, tp := range tps {
		out[i] = blocks.Touchpoint{Kind: tp.Kind, Note: tp.Note, By: tp.UserID, At: tp.At}
	}
	return out
}

// logKindWords map a note's first word to a touchpoint kind.
var logKindWords = map[string]string{
	"call": store.TouchCall, "called": store.TouchCall, "phoned": store.TouchCall,
	"meeting": store.TouchMeeting, "met": store.TouchMeeting, "meet": store.TouchMeeting,
	"email": store.TouchEmail, "emailed": store.TouchEmail, "mail": store.TouchEmail,
	"qbr": store.TouchQBR, "ebr": store.TouchQBR, "other": store.TouchOther,
}

// kindOfNote is the kind a note's first word names ("called the CFO" is a
// call), else other. A bare kind word ("call …") is dropped from the note.
func kindOfNote(note string) (kind, rest string) {
	first, tail, _ := strings.Cut(strings.TrimSpace(note), " ")
	k, ok := logKindWords[strings.ToLower(strings.Trim(first, ":,.-"))]
	if !ok {
		return store.TouchOther, strings.TrimSpace(note)
	}
	if strings.EqualFold(strings.Trim(first, ":,.-"), k) {
		return k, strings.TrimSpace(tail)
	}
	return k, strings.TrimSpace(note)
}
