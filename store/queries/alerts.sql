-- name: AlertsForEvaluation :many
-- Live alerts, and those resolved since the cutoff (for cooldowns).
SELECT * FROM alert WHERE state <> 'resolved' OR resolved_at >= sqlc.arg(resolved_since)::timestamptz
ORDER BY account_id, id;

-- name: InsertAlert :one
-- The partial unique index on live dedup keys makes a second fire a no-op.
INSERT INTO alert (account_id, kind, dedup_key, fired_at, summary, payload, updated_at, quiet)
VALUES ($1, $2, $3, $4, $5, $6, $4, $7)
ON CONFLICT (dedup_key) WHERE state <> 'resolved' DO NOTHING
RETURNING *;

-- name: AnyAlert :one
-- Whether any alert was ever recorded: none means the next run is the first.
SELECT EXISTS (SELECT 1 FROM alert);

-- name: ResolveAlert :one
UPDATE alert SET state = 'resolved', resolved_at = sqlc.arg(now)::timestamptz, updated_at = sqlc.arg(now)::timestamptz,
    summary = CASE WHEN sqlc.arg(summary)::text <> '' THEN sqlc.arg(summary)::text ELSE summary END
WHERE id = sqlc.arg(id) AND state <> 'resolved'
RETURNING *;

-- name: ReopenAlert :one
UPDATE alert SET state = 'open', snoozed_until = NULL, updated_at = sqlc.arg(now)::timestamptz,
    summary = CASE WHEN sqlc.arg(summary)::text <> '' THEN sqlc.arg(summary)::text ELSE summary END
WHERE id = sqlc.arg(id) AND state <> 'resolved'
RETURNING *;

-- name: SetAlertState :one
-- Acknowledge / snooze / assign from a Slack button; a resolved alert stays resolved.
UPDATE alert SET state = sqlc.arg(state), snoozed_until = sqlc.narg(snoozed_until),
    acted_by = sqlc.arg(acted_by), assigned_to = sqlc.arg(assigned_to), updated_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND state <> 'resolved'
RETURNING *;

-- name: SetAlertMessages :exec
UPDATE alert SET channel_id = $2, message_ts = $3, dm_channel_id = $4, dm_message_ts = $5
WHERE id = $1;

-- name: GetAlert :one
SELECT * FROM alert WHERE id = $1;

-- name: ListLiveAlerts :many
SELECT * FROM alert WHERE state <> 'resolved' ORDER BY fired_at DESC, id DESC LIMIT $1;
