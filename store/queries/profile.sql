-- Metric profiles (store/profiles.go): one row per signal key; the
-- refresh aggregate itself is built in Go.

-- name: MetricProfiles :many
SELECT * FROM metric_profile ORDER BY signal;

-- name: UpsertMetricProfile :exec
-- Replaces a profile's figures; a learned direction stays.
INSERT INTO metric_profile (signal, accounts, row_count, first_at, last_at, min_value, max_value,
    integer_valued, binary_valued, per_account, gap_days, profiled_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT (signal) DO UPDATE SET accounts = EXCLUDED.accounts, row_count = EXCLUDED.row_count,
    first_at = EXCLUDED.first_at, last_at = EXCLUDED.last_at, min_value = EXCLUDED.min_value,
    max_value = EXCLUDED.max_value, integer_valued = EXCLUDED.integer_valued, binary_valued = EXCLUDED.binary_valued,
    per_account = EXCLUDED.per_account, gap_days = EXCLUDED.gap_days, profiled_at = EXCLUDED.profiled_at;

-- name: DeleteMetricProfilesExcept :exec
-- Drops the profiles of signal keys no longer in signal.
DELETE FROM metric_profile WHERE NOT (signal = ANY(sqlc.arg(signals)::text[]));

-- name: SetMetricDirection :exec
UPDATE metric_profile SET direction = sqlc.arg(direction) WHERE signal = sqlc.arg(signal);
