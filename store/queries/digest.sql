-- Reads of the Monday digest (bot.Digest): one query per input for the
-- whole portfolio, slim rows (no contributions).

-- name: DigestWeekAnswers :many
-- The accounts with a pulse for an ISO week.
SELECT account_id FROM pulse WHERE week = sqlc.arg(week)::text ORDER BY account_id;

-- name: DigestExpansionAlerts :many
-- Live expansion alerts, the newest per account: the upsell candidates.
SELECT DISTINCT ON (account_id) account_id, summary
FROM alert
WHERE kind = 'expansion' AND state <> 'resolved'
ORDER BY account_id, fired_at DESC;
