-- name: ClaimJobRun :one
-- Claims (name, slot) for one instance. A claim left unfinished for longer
-- than the lease (its runner died) may be taken over; a finished one never.
INSERT INTO job_run AS j (name, slot, claimed_by, claimed_at)
VALUES (sqlc.arg(name), sqlc.arg(slot), sqlc.arg(claimed_by), sqlc.arg(now)::timestamptz)
ON CONFLICT (name, slot) DO UPDATE
    SET claimed_by = EXCLUDED.claimed_by, claimed_at = EXCLUDED.claimed_at, error = ''
    WHERE j.finished_at IS NULL AND j.claimed_at < sqlc.arg(now)::timestamptz - sqlc.arg(lease)::interval
RETURNING claimed_at;

-- name: FinishJobRun :exec
-- An empty error keeps one recorded earlier by the run itself.
UPDATE job_run SET finished_at = sqlc.arg(now)::timestamptz,
    error = CASE WHEN sqlc.arg(error)::text <> '' THEN sqlc.arg(error)::text ELSE error END
WHERE name = sqlc.arg(name) AND slot = sqlc.arg(slot) AND claimed_by = sqlc.arg(claimed_by);

-- name: GetJobRun :one
SELECT * FROM job_run WHERE name = $1 AND slot = $2;
