-- Stored health scores (one row per account and as-of date). Writes go
-- through store.UpsertScores (COPY into a temp table, then one upsert).

-- name: LatestScores :many
-- Each account's newest score.
SELECT DISTINCT ON (account_id) * FROM score
ORDER BY account_id, as_of DESC;

-- name: ScoresOnOrBefore :many
-- Each account's newest score on or before a date (what was current then).
SELECT DISTINCT ON (account_id) * FROM score
WHERE as_of <= sqlc.arg(as_of)::date
ORDER BY account_id, as_of DESC;

-- name: ScoresAt :many
SELECT * FROM score WHERE as_of = sqlc.arg(as_of)::date ORDER BY account_id;

-- name: ScoreAt :one
SELECT * FROM score WHERE account_id = $1 AND as_of = sqlc.arg(as_of)::date;

-- name: LatestScore :one
SELECT * FROM score WHERE account_id = $1 ORDER BY as_of DESC LIMIT 1;

-- name: ScoreHistory :many
-- One account's scores in [from, to], oldest first: the card's chart, trend and alerts.
SELECT * FROM score
WHERE account_id = $1 AND as_of >= sqlc.arg(from_date)::date AND as_of <= sqlc.arg(to_date)::date
ORDER BY as_of;

-- name: ScoreDates :many
-- The distinct as-of dates with scores in [from, to].
SELECT DISTINCT as_of FROM score
WHERE as_of >= sqlc.arg(from_date)::date AND as_of <= sqlc.arg(to_date)::date
ORDER BY as_of;
