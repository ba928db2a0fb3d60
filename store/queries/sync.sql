-- name: ClaimSyncSource :one
-- Takes a source's lease for one run: free, or left by a run that died more
-- than the lease ago. Returns the cursor the run starts from.
INSERT INTO sync_source AS s (name, run_by, run_at, last_started)
VALUES (sqlc.arg(name), sqlc.arg(instance), sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz)
ON CONFLICT (name) DO UPDATE
    SET run_by = EXCLUDED.run_by, run_at = EXCLUDED.run_at, last_started = EXCLUDED.last_started
    WHERE s.run_by = '' OR s.run_at < sqlc.arg(now)::timestamptz - sqlc.arg(lease)::interval
RETURNING cursor;

-- name: AdvanceSyncCursor :execrows
-- Moves the cursor past a page; only the lease holder may.
UPDATE sync_source SET cursor = sqlc.arg(cursor), run_at = sqlc.arg(now)::timestamptz
WHERE name = sqlc.arg(name) AND run_by = sqlc.arg(instance);

-- name: FinishSyncSource :exec
-- Ends a run: releases the lease and records its summary or error.
UPDATE sync_source SET run_by = '', run_at = NULL, last_finished = sqlc.arg(now)::timestamptz,
    last_ok = CASE WHEN sqlc.arg(error)::text = '' THEN sqlc.arg(now)::timestamptz ELSE last_ok END,
    last_summary = CASE WHEN sqlc.arg(error)::text = '' THEN sqlc.arg(summary)::text ELSE last_summary END,
    last_error = sqlc.arg(error)::text
WHERE name = sqlc.arg(name) AND run_by = sqlc.arg(instance);

-- name: ResetSyncCursor :exec
UPDATE sync_source SET cursor = '' WHERE name = sqlc.arg(name) AND run_by = sqlc.arg(instance);

-- name: ListSyncSources :many
SELECT * FROM sync_source ORDER BY name;
