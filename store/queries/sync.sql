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

-- name: FinishSyncSource :execrows
-- Ends a run: releases the lease and records its summary or error; 0 rows
-- when the run lost its lease (another run holds the source).
UPDATE sync_source SET run_by = '', run_at = NULL, last_finished = sqlc.arg(now)::timestamptz,
    last_ok = CASE WHEN sqlc.arg(error)::text = '' THEN sqlc.arg(now)::timestamptz ELSE last_ok END,
    last_summary = CASE WHEN sqlc.arg(error)::text = '' THEN sqlc.arg(summary)::text ELSE last_summary END,
    last_error = sqlc.arg(error)::text
WHERE name = sqlc.arg(name) AND run_by = sqlc.arg(instance);

-- name: ResetSyncCursor :execrows
-- Forgets the cursor (a --full sync); 0 rows when the run lost its lease.
UPDATE sync_source SET cursor = '' WHERE name = sqlc.arg(name) AND run_by = sqlc.arg(instance);

-- name: ListSyncSources :many
SELECT * FROM sync_source ORDER BY name;

-- name: SyncRenewalAccount :one
-- What recording a CRM's renewal needs to know of its account: the renewal
-- date it has, the one the outcome job saw last, and whether the CRM record
-- was recorded already.
SELECT a.id, a.renewal_date, s.renewal_date AS seen_date,
    EXISTS (SELECT 1 FROM outcome o WHERE o.source_ref = sqlc.arg(ref)::text) AS recorded
FROM account a LEFT JOIN renewal_seen s ON s.account_id = a.id
WHERE a.external_id = sqlc.arg(external_id);

-- name: InsertSyncedRenewal :execrows
-- A renewal outcome keyed by its CRM record; one the outcome job already
-- recorded for that account and date is left alone (0 rows).
INSERT INTO outcome (account_id, kind, occurred_on, next_renewal, detected_at, source_ref)
VALUES (sqlc.arg(account_id), 'renewal', sqlc.arg(occurred_on)::date, sqlc.narg(next_renewal),
    sqlc.arg(detected_at)::timestamptz, sqlc.arg(ref)::text)
ON CONFLICT DO NOTHING;

-- name: TagRenewalOutcome :execrows
-- Keys the renewal the outcome job recorded for that account and date by
-- the CRM record that reports it.
UPDATE outcome SET source_ref = sqlc.arg(ref)::text, next_renewal = coalesce(next_renewal, sqlc.narg(next_renewal))
WHERE account_id = sqlc.arg(account_id) AND kind = 'renewal' AND occurred_on = sqlc.arg(occurred_on)::date
  AND source_ref IS NULL;

-- name: MoveRenewalDate :execrows
-- Moves an account's renewal date later, never earlier.
UPDATE account SET renewal_date = sqlc.arg(renewal_date)::date, updated_at = sqlc.arg(now)::timestamptz
WHERE id = sqlc.arg(id) AND (renewal_date IS NULL OR renewal_date < sqlc.arg(renewal_date)::date);
