-- Set-based reads of the daily alert run (bot.Alerts): one query per input
-- for the whole portfolio, never one per account.

-- name: ScoresBetween :many
-- Every score in [from, to] as value and band only, one row of parallel
-- arrays per account (aggregates of one group see its rows in one order;
-- the store sorts by day): the alert rules' history for the whole
-- portfolio, without a sort per group.
SELECT account_id,
       array_agg(as_of)::date[] AS days,
       array_agg(COALESCE(score, 0))::float8[] AS vals,
       array_agg(band)::text[] AS bands
FROM score
WHERE as_of >= sqlc.arg(from_date)::date AND as_of <= sqlc.arg(to_date)::date
GROUP BY account_id;

-- name: LatestPulses :many
-- Each account's newest pulse (latest week, as the card shows it) answered
-- in (since, at], with its CSM's name.
SELECT DISTINCT ON (p.account_id) p.id, p.account_id, p.csm_id, COALESCE(c.name, '')::text AS csm_name,
       p.rating, p.reasons, p.note, p.week, p.answered_at, p.source
FROM pulse p LEFT JOIN csm c ON c.id = p.csm_id
WHERE p.answered_at <= sqlc.arg(at)::timestamptz AND p.answered_at > sqlc.arg(since)::timestamptz
ORDER BY p.account_id, p.week DESC, p.answered_at DESC;

-- name: ModuleInterest :many
-- Modules accounts showed interest in within (since, at]: signals keyed
-- interest:<module> with a positive value (partial index signal_interest_idx).
SELECT account_id, substr(metric, 10)::text AS module
FROM signal
WHERE metric LIKE 'interest:%' AND length(metric) > 9 AND value > 0
  AND observed_at > sqlc.arg(since)::timestamptz AND observed_at <= sqlc.arg(at)::timestamptz
GROUP BY account_id, module
ORDER BY account_id, module;

-- name: UnpostedAlerts :many
-- Live alerts fired since a time that lack a channel or a DM message: a
-- post that failed is tried again on the next run. Quiet alerts were never
-- meant to be posted.
SELECT * FROM alert
WHERE state <> 'resolved' AND fired_at >= sqlc.arg(since)::timestamptz
  AND (message_ts = '' OR dm_message_ts = '') AND NOT quiet
ORDER BY fired_at, id;

-- name: AlertsFiredSince :many
-- The alerts fired at or after since (not the quiet ones), oldest first.
SELECT * FROM alert
WHERE fired_at >= sqlc.arg(since)::timestamptz AND NOT quiet
ORDER BY fired_at, id;
