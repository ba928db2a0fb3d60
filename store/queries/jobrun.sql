-- name: ClaimJobRun :one
-- Claims (name, slot) for one instance. A claim left unfinished whose
-- heartbeat is older than the lease (its runner died) may be taken over; a
-- finished one never. previous_claimant names the claimant taken over, ''
-- for a fresh claim.
WITH prev AS (
    SELECT p.claimed_by FROM job_run p WHERE p.name = sqlc.arg(name) AND p.slot = sqlc.arg(slot)
)
INSERT INTO job_run AS j (name, slot, claimed_by, claimed_at, heartbeat_at)
VALUES (sqlc.arg(name), sqlc.arg(slot), sqlc.arg(claimed_by), sqlc.arg(now)::timestamptz, sqlc.arg(now)::timestamptz)
ON CONFLICT (name, slot) DO UPDATE
    SET claimed_by = EXCLUDED.claimed_by, claimed_at = EXCLUDED.claimed_at,
        heartbeat_at = EXCLUDED.heartbeat_at, error = ''
    WHERE j.finished_at IS NULL AND j.heartbeat_at < sqlc.arg(now)::timestamptz - sqlc.arg(lease)::interval
RETURNING claimed_at, COALESCE((SELECT claimed_by FROM prev), '')::text AS previous_claimant;

-- name: HeartbeatJobRun :execrows
-- Refreshes a running claim; 0 rows means the claim is no longer this
-- instance's (it was retaken after its lease ran out) or already finished.
UPDATE job_run SET heartbeat_at = sqlc.arg(now)::timestamptz
WHERE name = sqlc.arg(name) AND slot = sqlc.arg(slot) AND claimed_by = sqlc.arg(claimed_by) AND finished_at IS NULL;

-- name: ReleaseJobRun :exec
-- Gives an unfinished claim up (its run was interrupted by a shutdown), so
-- the next replica or restart claims the slot at once.
DELETE FROM job_run
WHERE name = sqlc.arg(name) AND slot = sqlc.arg(slot) AND claimed_by = sqlc.arg(claimed_by) AND finished_at IS NULL;

-- name: FinishJobRun :exec
-- An empty error keeps one recorded earlier by the run itself.
UPDATE job_run SET finished_at = sqlc.arg(now)::timestamptz,
    error = CASE WHEN sqlc.arg(error)::text <> '' THEN sqlc.arg(error)::text ELSE error END
WHERE name = sqlc.arg(name) AND slot = sqlc.arg(slot) AND claimed_by = sqlc.arg(claimed_by);

-- name: GetJobRun :one
SELECT * FROM job_run WHERE name = $1 AND slot = $2;
