-- Job claims are leases (reliab): the claimant of a job_run slot refreshes
-- heartbeat_at while it runs, and a claim whose heartbeat is older than the
-- lease (its process died) is retaken by another replica or a restart,
-- minutes later instead of an hour.

-- +goose Up
ALTER TABLE job_run ADD COLUMN heartbeat_at timestamptz;
UPDATE job_run SET heartbeat_at = claimed_at;
ALTER TABLE job_run ALTER COLUMN heartbeat_at SET NOT NULL, ALTER COLUMN heartbeat_at SET DEFAULT now();

-- +goose Down
ALTER TABLE job_run DROP COLUMN heartbeat_at;
