-- name: CountSignals :one
SELECT count(*) FROM signal;

-- name: ListSignalsForAccount :many
SELECT * FROM signal
WHERE account_id = $1 AND metric = $2
ORDER BY observed_at;

-- name: SignalSummary :many
-- Per metric: how many observations and over what span; the demo prints it.
SELECT metric, count(*)::bigint AS n, min(observed_at)::timestamptz AS first_at, max(observed_at)::timestamptz AS last_at,
       avg(value)::float8 AS mean
FROM signal GROUP BY metric ORDER BY metric;
