package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
)

// How an alert reached a person (alert_delivery.how).
const (
	DeliveredDM      = "dm"      // its own DM, counted against the weekly budget
	DeliveredSummary = "summary" // a line of the daily summary DM instead
)

// AlertDelivery is where one alert went for one person.
type AlertDelivery struct {
	AlertID  int64
	UserID   string
	Week     string // ISO week the budget counts in
	How      string // DeliveredDM or DeliveredSummary
	Priority float64
	At       time.Time
}

// RecordAlertDelivery stores how an alert reached a person; a second
// record for the same alert and person is ignored (ok false).
func (s *Store) RecordAlertDelivery(ctx context.Context, d AlertDelivery) (bool, error) {
	tag, err := s.db.Exec(ctx, `
		INSERT INTO alert_delivery (alert_id, user_id, week, how, priority, at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (alert_id, user_id) DO NOTHING`, d.AlertID, d.UserID, d.Week, d.How, d.Priority, d.At)
	if err != nil {
		return false, fmt.Errorf("record delivery of alert %d to %s: %w", d.AlertID, d.UserID, missingRef(err))
	}
	return tag.RowsAffected() == 1, nil
}

// AlertDMsInWeek counts the alert DMs each of users got in week.
func (s *Store) AlertDMsInWeek(ctx context.Context, week string) (map[string]int, error) {
	rows, err := s.db.Query(ctx, `SELECT user_id, count(*)::int FROM alert_delivery WHERE week = $1 AND how = 'dm' GROUP BY user_id`, week)
	if err != nil {
		return nil, fmt.Errorf("alert DMs of %s: %w", week, err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		if err := rows.Scan(&u, &n); err != nil {
			return nil, err
		}
		out[u] = n
	}
	return out, rows.Err()
}

// AlertDelivered reports whether the alert already reached user (as a DM
// or in a summary), so a retry does not DM it again.
func (s *Store) AlertDelivered(ctx context.Context, alertID int64, user string) (string, error) {
	var how string
	err := s.db.QueryRow(ctx, `SELECT COALESCE((SELECT how FROM alert_delivery WHERE alert_id = $1 AND user_id = $2), '')`, alertID, user).Scan(&how)
	if err != nil {
		return "", fmt.Errorf("delivery of alert %d: %w", alertID, err)
	}
	return how, nil
}

// DMsPerUserWeek is how many alert DMs (and summary lines) each person got
// each week: the budget's distribution (demo, alerts stats).
type DMsPerUserWeek struct {
	UserID  string
	Week    string
	DMs     int
	Summary int
}

// AlertDeliveryCounts lists DMs and summary lines per person and week,
// by week then user, from the week of since on (zero: every week).
func (s *Store) AlertDeliveryCounts(ctx context.Context, since time.Time) ([]DMsPerUserWeek, error) {
	from := ""
	if !since.IsZero() {
		from = scoring.ISOWeek(since) // "2026-W49": ISO weeks sort as text
	}
	rows, err := s.db.Query(ctx, `
		SELECT user_id, week, count(*) FILTER (WHERE how = 'dm')::int, count(*) FILTER (WHERE how = 'summary')::int
		FROM alert_delivery WHERE week >= $1 GROUP BY user_id, week ORDER BY week, user_id`, from)
	if err != nil {
		return nil, fmt.Errorf("alert deliveries: %w", err)
	}
	defer rows.Close()
	var out []DMsPerUserWeek
	for rows.Next() {
		var d DMsPerUserWeek
		if err := rows.Scan(&d.UserID, &d.Week, &d.DMs, &d.Summary); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// MarkAlertNotUseful records (or updates the reason of) a person's Not
// useful vote on an alert. ErrNotFound when the alert is gone.
func (s *Store) MarkAlertNotUseful(ctx context.Context, alertID int64, user, reason string, at time.Time) error {
	_, err := s.db.Exec(ctx, `
		INSERT INTO alert_feedback (alert_id, user_id, reason, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (alert_id, user_id) DO UPDATE SET
			reason = CASE WHEN EXCLUDED.reason <> '' THEN EXCLUDED.reason ELSE alert_feedback.reason END, at = EXCLUDED.at`,
		alertID, user, reason, at)
	if err != nil {
		return fmt.Errorf("mark alert %d not useful: %w", alertID, missingRef(err))
	}
	return nil
}

// AlertRuleStats are one rule's numbers over a window (`healthbot alerts
// stats`, the digest): counts of the alerts fired in it.
type AlertRuleStats struct {
	Kind         scoring.AlertKind
	Fired        int
	Acknowledged int
	// Acknowledged counts the alerts acknowledged now or ever (the
	// timeline keeps each Acknowledge); AckMedian is the median time from
	// firing to the first Acknowledge the timeline recorded.
	AckMedian time.Duration
	Snoozed   int
	NotUseful int      // alerts someone marked not useful
	Reasons   []string // the reasons given, newest first (at most 5)
}

// AlertStats sums up the alerts fired in [since, until) per rule.
func (s *Store) AlertStats(ctx context.Context, since, until time.Time) ([]AlertRuleStats, error) {
	rows, err := s.db.Query(ctx, `
		WITH a AS (
			SELECT al.id, al.kind, al.fired_at, al.snoozed_until IS NOT NULL OR al.state = 'snoozed' AS snoozed,
			       (SELECT min(t.at) FROM touchpoint t WHERE t.alert_id = al.id AND t.alert_action = 'acknowledged') AS acked_at,
			       al.state = 'acknowledged' AS ack_state,
			       EXISTS (SELECT 1 FROM alert_feedback f WHERE f.alert_id = al.id) AS not_useful
			FROM alert al WHERE al.fired_at >= $1 AND al.fired_at < $2 AND NOT al.quiet
		)
		SELECT kind, count(*)::int,
		       count(*) FILTER (WHERE acked_at IS NOT NULL OR ack_state)::int,
		       COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM acked_at - fired_at)) FILTER (WHERE acked_at IS NOT NULL), 0)::float8,
		       count(*) FILTER (WHERE snoozed)::int,
		       count(*) FILTER (WHERE not_useful)::int,
		       COALESCE((SELECT array_agg(r.reason ORDER BY r.at DESC) FROM (
		           SELECT f.reason, f.at FROM alert_feedback f JOIN alert x ON x.id = f.alert_id
		           WHERE x.kind = a.kind AND x.fired_at >= $1 AND x.fired_at < $2 AND f.reason <> ''
		           ORDER BY f.at DESC LIMIT 5) r), '{}')::text[]
		FROM a GROUP BY kind ORDER BY kind`, since, until)
	if err != nil {
		return nil, fmt.Errorf("alert stats: %w", err)
	}
	defer rows.Close()
	var out []AlertRuleStats
	for rows.Next() {
		var r AlertRuleStats
		var kind string
		var ackSecs float64
		if err := rows.Scan(&kind, &r.Fired, &r.Acknowledged, &ackSecs, &r.Snoozed, &r.NotUseful, &r.Reasons); err != nil {
			return nil, fmt.Errorf("alert stats: %w", err)
		}
		r.Kind = scoring.AlertKind(kind)
		r.AckMedian = time.Duration(ackSecs * float64(time.Second))
		out = append(out, r)
	}
	return out, rows.Err()
}

// AlertsFiredSince reads the alerts fired at or after since (not the quiet
// ones), oldest first.
func (s *Store) AlertsFiredSince(ctx context.Context, since time.Time) ([]AlertRecord, error) {
	rows, err := s.q.AlertsFiredSince(ctx, since)
	if err != nil {
		return nil, fmt.Errorf("alerts fired since %s: %w", since.Format(time.DateOnly), err)
	}
	out := make([]AlertRecord, len(rows))
	for i, r := range rows {
		out[i] = alertFromRow(r)
	}
	return out, nil
}

// ClearAlertMessages forgets where alerts were posted and to whom they
// were delivered: the demo rehearses its alert runs against a recording
// Slack, then clears them so a bot started on the demo posts for real.
func (s *Store) ClearAlertMessages(ctx context.Context) error {
	return pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE alert SET channel_id = '', message_ts = '', dm_channel_id = '', dm_message_ts = ''
			WHERE message_ts <> '' OR dm_message_ts <> ''`); err != nil {
			return fmt.Errorf("clear alert messages: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM alert_delivery`); err != nil {
			return fmt.Errorf("clear alert deliveries: %w", err)
		}
		return nil
	})
}

// AlertSummaryUsersSince lists the people who got an alert summary DM at
// or after since (the budget sends at most one a day).
func (s *Store) AlertSummaryUsersSince(ctx context.Context, since time.Time) (map[string]bool, error) {
	rows, err := s.db.Query(ctx, `SELECT DISTINCT user_id FROM alert_delivery WHERE how = 'summary' AND at >= $1`, since)
	if err != nil {
		return nil, fmt.Errorf("alert summaries since %s: %w", since.Format(time.DateOnly), err)
	}
	users, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("alert summaries since %s: %w", since.Format(time.DateOnly), err)
	}
	out := make(map[string]bool, len(users))
	for _, u := range users {
		out[u] = true
	}
	return out, nil
}
