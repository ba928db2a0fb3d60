package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// AlertWriter stores an alert run's decisions; *store.Store has it.
type AlertWriter interface {
	InsertAlert(ctx context.Context, a store.NewAlert) (store.AlertRecord, bool, error)
	ResolveAlert(ctx context.Context, id int64, summary string, now time.Time) (store.AlertRecord, error)
	ReopenAlert(ctx context.Context, id int64, summary string, now time.Time) (store.AlertRecord, error)
}

var _ AlertWriter = (*store.Store)(nil)

// ResolvedChurned is the summary of a resolution whose account is no
// longer a customer.
const ResolvedChurned = "churned"

// AlertChange is one stored decision, waiting to reach Slack.
type AlertChange struct {
	Action scoring.AlertAction
	Rec    store.AlertRecord
	// Summary is a resolution's reason as the rules gave it
	// (scoring.SupersededSummary, ResolvedChurned, or what cleared).
	Summary string
}

// AlertCounts is what ApplyAlerts stored.
type AlertCounts struct {
	Fired    int
	Quiet    int // of Fired, recorded quietly (the first run on a portfolio)
	Resolved int
	Reopened int
}

// ApplyAlerts evaluates every account of w alive on its day under cards
// (scoring.EvaluateAlerts) and stores the decisions, each in its own
// statement so a live duplicate is never fired twice across replicas;
// fired alerts are quiet if quiet. Live alerts of accounts that churned
// resolve (ResolvedChurned); accounts not started yet wait. The changes
// are what Slack must hear of; a decision a replica stored first, or an
// alert that resolved meanwhile, is left out.
func ApplyAlerts(ctx context.Context, st AlertWriter, w *AlertWorld, cards scoring.Scorecards, now time.Time, quiet bool) ([]AlertChange, AlertCounts, error) {
	var out []AlertChange
	var n AlertCounts
	for _, acct := range w.Accounts {
		var decisions []scoring.AlertDecision
		switch {
		case acct.AliveAt(w.At):
			decisions = scoring.EvaluateAlerts(w.Input(acct, cards, now))
		case !acct.ChurnedAt.IsZero():
			decisions = churnedResolutions(w.Alerts[acct.ID])
		}
		for _, d := range decisions {
			c, ok, err := storeDecision(ctx, st, acct, d, now, quiet)
			if err != nil {
				return out, n, err
			}
			if !ok {
				continue
			}
			switch d.Action {
			case scoring.ActionFire:
				n.Fired++
				if c.Rec.Quiet {
					n.Quiet++
				}
			case scoring.ActionResolve:
				n.Resolved++
			case scoring.ActionReopen:
				n.Reopened++
			}
			out = append(out, c)
		}
	}
	return out, n, nil
}

// churnedResolutions resolves every live alert of an account that churned.
func churnedResolutions(alerts []scoring.Alert) []scoring.AlertDecision {
	var out []scoring.AlertDecision
	for _, al := range alerts {
		if al.Live() {
			out = append(out, scoring.AlertDecision{Action: scoring.ActionResolve, Kind: al.Kind, DedupKey: al.DedupKey, AlertID: al.ID, Summary: ResolvedChurned})
		}
	}
	return out
}

// storeDecision stores one decision in its own statement (its own
// transaction); ok is false when there is nothing to post (a replica fired
// it first, or the alert resolved meanwhile).
func storeDecision(ctx context.Context, st AlertWriter, acct scoring.Account, d scoring.AlertDecision, now time.Time, quiet bool) (AlertChange, bool, error) {
	switch d.Action {
	case scoring.ActionFire:
		rec, ok, err := st.InsertAlert(ctx, store.NewAlert{AccountID: acct.ID, Kind: d.Kind, DedupKey: d.DedupKey,
			Summary: d.Summary, Payload: d.Payload, FiredAt: now, Quiet: quiet})
		if err != nil {
			return AlertChange{}, false, err
		}
		return AlertChange{Action: d.Action, Rec: rec}, ok, nil
	case scoring.ActionResolve:
		// The stored summary stays what fired; the message says why it resolved.
		rec, err := st.ResolveAlert(ctx, d.AlertID, "", now)
		if errors.Is(err, store.ErrNotFound) {
			return AlertChange{}, false, nil
		}
		if err != nil {
			return AlertChange{}, false, fmt.Errorf("resolve alert %d: %w", d.AlertID, err)
		}
		return AlertChange{Action: d.Action, Rec: rec, Summary: d.Summary}, true, nil
	case scoring.ActionReopen:
		rec, err := st.ReopenAlert(ctx, d.AlertID, d.Summary, now)
		if errors.Is(err, store.ErrNotFound) {
			return AlertChange{}, false, nil
		}
		if err != nil {
			return AlertChange{}, false, fmt.Errorf("reopen alert %d: %w", d.AlertID, err)
		}
		return AlertChange{Action: d.Action, Rec: rec}, true, nil
	}
	return AlertChange{}, false, fmt.Errorf("unknown alert action %q", d.Action)
}
