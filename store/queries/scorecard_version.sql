-- Scorecard versions: proposals, approvals, imports (migration 0090).

-- name: InsertScorecardVersion :one
-- A new version; any proposal still waiting is superseded by it (dismissed
-- by superseded_by), so an old diff can never be approved over a newer one.
WITH superseded AS (
    UPDATE scorecard_version
    SET status = 'dismissed', decided_by = sqlc.arg(superseded_by)::text, decided_at = sqlc.arg(created_at)::timestamptz
    WHERE status = 'proposed'
)
INSERT INTO scorecard_version (yaml, source, status, created_at, decided_by, decided_at, auc_before, auc_after, summary, replaces)
VALUES (sqlc.arg(yaml), sqlc.arg(source), sqlc.arg(status), sqlc.arg(created_at)::timestamptz,
        sqlc.arg(decided_by), sqlc.narg(decided_at)::timestamptz, sqlc.narg(auc_before), sqlc.narg(auc_after), sqlc.arg(summary), sqlc.arg(replaces))
RETURNING *;

-- name: DecideScorecardVersion :one
-- Approves or dismisses a proposal; no row when it was already decided,
-- so two clicks (or two replicas) decide it once.
UPDATE scorecard_version
SET status = sqlc.arg(status), decided_by = sqlc.arg(decided_by), decided_at = sqlc.arg(decided_at)::timestamptz
WHERE id = sqlc.arg(id) AND status = 'proposed'
RETURNING *;

-- name: SetScorecardVersionMessage :exec
UPDATE scorecard_version SET channel_id = sqlc.arg(channel_id), message_ts = sqlc.arg(message_ts)
WHERE id = sqlc.arg(id);

-- name: GetScorecardVersion :one
SELECT * FROM scorecard_version WHERE id = $1;

-- name: LatestApprovedScorecardVersion :one
-- The version in force: the one approved last.
SELECT * FROM scorecard_version WHERE status = 'approved'
ORDER BY decided_at DESC, id DESC
LIMIT 1;

-- name: ListScorecardVersions :many
SELECT * FROM scorecard_version ORDER BY id DESC LIMIT sqlc.arg(max_rows);
