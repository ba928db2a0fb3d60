-- name: InsertAccessAudit :exec
INSERT INTO access_audit (at, user_id, team_id, channel_id, surface, allowed, reason, account_ids)
VALUES (sqlc.arg(at)::timestamptz, sqlc.arg(user_id), sqlc.arg(team_id), sqlc.arg(channel_id),
        sqlc.arg(surface), sqlc.arg(allowed), sqlc.arg(reason), sqlc.arg(account_ids)::bigint[]);

-- name: ListAccessAudit :many
-- Newest first. An empty user, a zero account and a null since match all.
SELECT id, at, user_id, team_id, channel_id, surface, allowed, reason, account_ids
FROM access_audit
WHERE at >= sqlc.arg(since)::timestamptz
  AND (sqlc.arg(user_id)::text = '' OR user_id = sqlc.arg(user_id)::text)
  AND (sqlc.arg(account_id)::bigint = 0 OR account_ids @> ARRAY[sqlc.arg(account_id)::bigint])
ORDER BY at DESC, id DESC
LIMIT sqlc.arg(max_rows)::int;

-- name: DeleteAccessAuditBefore :execrows
DELETE FROM access_audit WHERE at < sqlc.arg(before)::timestamptz;
