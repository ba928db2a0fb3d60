package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/db"
)

// AlertRecord is a stored alert with where it was posted.
type AlertRecord struct {
	scoring.Alert
	Payload     map[string]any
	ChannelID   string
	MessageTS   string
	DMChannelID string
	DMMessageTS string
	Quiet       bool // recorded by the first run, summed up instead of posted
}

// AlertsForEvaluation returns every live alert and those resolved since the
// cutoff, grouped by account, for the rules' dedup and cooldown checks.
func (s *Store) AlertsForEvaluation(ctx context.Context, resolvedSince time.Time) (map[int64][]scoring.Alert, error) {
	rows, err := s.q.AlertsForEvaluation(ctx, resolvedSince)
	if err != nil {
		return nil, fmt.Errorf("alerts for evaluation: %w", err)
	}
	out := map[int64][]scoring.Alert{}
	for _, r := range rows {
		out[r.AccountID] = append(out[r.AccountID], alertFromRow(r).Alert)
	}
	return out, nil
}

// NewAlert is an alert a rule fired.
type NewAlert struct {
	AccountID int64
	Kind      scoring.AlertKind
	DedupKey  string
	Summary   string
	Payload   map[string]any
	FiredAt   time.Time
	// Quiet alerts are recorded but not posted one by one: the first run
	// on a portfolio sums them up in one message.
	Quiet bool
}

// InsertAlert stores a fired alert. ok is false when a live alert with the
// same dedup key exists already (another replica fired it first).
func (s *Store) InsertAlert(ctx context.Context, a NewAlert) (AlertRecord, bool, error) {
	b, err := json.Marshal(a.Payload)
	if err != nil {
		return AlertRecord{}, false, fmt.Errorf("alert payload: %w", err)
	}
	if a.Payload == nil {
		b = []byte("{}")
	}
	r, err := s.q.InsertAlert(ctx, db.InsertAlertParams{
		AccountID: a.AccountID, Kind: string(a.Kind), DedupKey: a.DedupKey, FiredAt: a.FiredAt, Summary: a.Summary,
		Payload: b, Quiet: a.Quiet,
	})
	if err = notFound(err); errors.Is(err, ErrNotFound) {
		return AlertRecord{}, false, nil
	}
	if err != nil {
		return AlertRecord{}, false, fmt.Errorf("insert alert %s: %w", a.DedupKey, err)
	}
	return alertFromRow(r), true, nil
}

// AnyAlert reports whether any alert was ever recorded; none means the
// next alert run is the first on this portfolio.
func (s *Store) AnyAlert(ctx context.Context) (bool, error) {
	exists, err := s.q.AnyAlert(ctx)
	if err != nil {
		return false, fmt.Errorf("any alert: %w", err)
	}
	return exists, nil
}

// ResolveAlert resolves a live alert; ErrNotFound when it is gone or resolved.
func (s *Store) ResolveAlert(ctx context.Context, id int64, summary string, now time.Time) (AlertRecord, error) {
	r, err := s.q.ResolveAlert(ctx, db.ResolveAlertParams{ID: id, Summary: summary, Now: now})
	if err != nil {
		return AlertRecord{}, notFound(err)
	}
	return alertFromRow(r), nil
}

// ReopenAlert opens a snoozed alert again; ErrNotFound when resolved.
func (s *Store) ReopenAlert(ctx context.Context, id int64, summary string, now time.Time) (AlertRecord, error) {
	r, err := s.q.ReopenAlert(ctx, db.ReopenAlertParams{ID: id, Summary: summary, Now: now})
	if err != nil {
		return AlertRecord{}, notFound(err)
	}
	return alertFromRow(r), nil
}

// AlertChange is what a person did to an alert from Slack.
type AlertChange struct {
	State        scoring.AlertState // acknowledged, snoozed or open
	SnoozedUntil time.Time
	ActedBy      string
	AssignedTo   string
}

// ChangeAlert applies a person's action; ErrNotFound when the alert is
// resolved or gone, so a late click cannot resurrect it.
func (s *Store) ChangeAlert(ctx context.Context, id int64, c AlertChange, now time.Time) (AlertRecord, error) {
	var until *time.Time
	if !c.SnoozedUntil.IsZero() {
		until = &c.SnoozedUntil
	}
	r, err := s.q.SetAlertState(ctx, db.SetAlertStateParams{
		ID: id, State: string(c.State), SnoozedUntil: until, ActedBy: c.ActedBy, AssignedTo: c.AssignedTo, Now: now,
	})
	if err != nil {
		return AlertRecord{}, notFound(err)
	}
	return alertFromRow(r), nil
}

// SetAlertMessages records where the alert was posted, so later changes
// update those messages.
func (s *Store) SetAlertMessages(ctx context.Context, id int64, channelID, ts, dmChannelID, dmTS string) error {
	return s.q.SetAlertMessages(ctx, db.SetAlertMessagesParams{ID: id, ChannelID: channelID, MessageTs: ts, DmChannelID: dmChannelID, DmMessageTs: dmTS})
}

// Alert returns one alert, or ErrNotFound.
func (s *Store) Alert(ctx context.Context, id int64) (AlertRecord, error) {
	return one(alertFromRow)(s.q.GetAlert(ctx, id))
}

// LiveAlerts lists live alerts, newest first.
func (s *Store) LiveAlerts(ctx context.Context, limit int) ([]AlertRecord, error) {
	return all(alertFromRow, "live alerts")(s.q.ListLiveAlerts(ctx, int32(limit)))
}

func alertFromRow(r db.Alert) AlertRecord {
	return AlertRecord{
		Alert: scoring.Alert{
			ID: r.ID, AccountID: r.AccountID, Kind: scoring.AlertKind(r.Kind), DedupKey: r.DedupKey, FiredAt: r.FiredAt,
			Summary: r.Summary, State: scoring.AlertState(r.State), SnoozedUntil: deref(r.SnoozedUntil),
			ActedBy: r.ActedBy, AssignedTo: r.AssignedTo, ResolvedAt: deref(r.ResolvedAt),
		},
		Payload: jsonMap(r.Payload), ChannelID: r.ChannelID, MessageTS: r.MessageTs, DMChannelID: r.DmChannelID, DMMessageTS: r.DmMessageTs,
		Quiet: r.Quiet,
	}
}
