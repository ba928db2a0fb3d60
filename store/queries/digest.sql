-- Reads of the Monday digest (bot.Digest): one query per input for the
-- whole portfolio, slim rows (no contributions).

-- name: DigestNewestScoreDay :one
-- The newest day with stored scores on or before a date (NULL when none).
SELECT max(as_of)::date AS day FROM score WHERE as_of <= sqlc.arg(on_date)::date;

-- name: DigestScores :many
-- Each account's newest score in (on - days, on]: the scores current that day.
SELECT DISTINCT ON (account_id) account_id, as_of, scorecard, score, band, confidence
FROM score
WHERE as_of <= sqlc.arg(on_date)::date AND as_of > sqlc.arg(on_date)::date - sqlc.arg(days)::int
ORDER BY account_id, as_of DESC;

-- name: DigestBandHistory :many
-- The band distribution at each weekly mark from one day to another: per
-- mark, each account's newest score in the week ending at the mark.
SELECT m.mark::date AS mark, s.band, count(*)::int AS accounts
FROM generate_series(sqlc.arg(from_date)::date, sqlc.arg(to_date)::date, interval '7 days') AS m(mark)
CROSS JOIN LATERAL (
    SELECT DISTINCT ON (sc.account_id) sc.band
    FROM score sc
    WHERE sc.as_of <= m.mark::date AND sc.as_of > m.mark::date - 7
    ORDER BY sc.account_id, sc.as_of DESC
) s
GROUP BY m.mark, s.band
ORDER BY m.mark, s.band;

-- name: DigestWeekAnswers :many
-- The accounts with a pulse for an ISO week.
SELECT account_id FROM pulse WHERE week = sqlc.arg(week)::text ORDER BY account_id;

-- name: DigestExpansionAlerts :many
-- Live expansion alerts, the newest per account: the upsell candidates.
SELECT DISTINCT ON (account_id) account_id, summary
FROM alert
WHERE kind = 'expansion' AND state <> 'resolved'
ORDER BY account_id, fired_at DESC;
