-- Outcome capture: churns and renewals, the question to the owner and the answer.

-- name: ChurnsWithoutOutcome :many
-- Accounts that churned on or after a day and were never recorded as a churn outcome.
SELECT a.id, a.churned_at::date AS churned_at
FROM account a
WHERE a.churned_at IS NOT NULL AND a.churned_at >= sqlc.arg(since)::date
  AND NOT EXISTS (SELECT 1 FROM outcome o WHERE o.account_id = a.id AND o.kind = 'churn' AND o.occurred_on = a.churned_at)
ORDER BY a.id;

-- name: RenewalDateChanges :many
-- Accounts whose renewal date differs from the one seen last time (or was never seen).
SELECT a.id, a.renewal_date::date AS renewal_date, a.churned_at, s.renewal_date AS seen_date
FROM account a LEFT JOIN renewal_seen s ON s.account_id = a.id
WHERE a.renewal_date IS NOT NULL AND (s.renewal_date IS NULL OR s.renewal_date <> a.renewal_date)
ORDER BY a.id;

-- name: MarkRenewalSeen :exec
INSERT INTO renewal_seen (account_id, renewal_date, seen_at)
VALUES (sqlc.arg(account_id), sqlc.arg(renewal_date)::date, sqlc.arg(seen_at)::timestamptz)
ON CONFLICT (account_id) DO UPDATE SET renewal_date = EXCLUDED.renewal_date, seen_at = EXCLUDED.seen_at;

-- name: InsertOutcome :exec
-- Once per account, kind and date: a second detection changes nothing.
INSERT INTO outcome (account_id, kind, occurred_on, next_renewal, detected_at)
VALUES (sqlc.arg(account_id), sqlc.arg(kind), sqlc.arg(occurred_on)::date, sqlc.narg(next_renewal), sqlc.arg(detected_at)::timestamptz)
ON CONFLICT (account_id, kind, occurred_on) DO NOTHING;

-- name: ClaimUnaskedOutcomes :many
-- Outcomes detected since a time whose question was not sent, not held by
-- another run since stale_before; claims them for this run.
UPDATE outcome SET claimed_at = sqlc.arg(now)::timestamptz
WHERE id IN (
    SELECT o.id FROM outcome o
    WHERE o.asked_at IS NULL AND o.detected_at >= sqlc.arg(since)::timestamptz
      AND (o.claimed_at IS NULL OR o.claimed_at < sqlc.arg(stale_before)::timestamptz)
    ORDER BY o.id
    FOR UPDATE SKIP LOCKED
)
RETURNING *;

-- name: MarkOutcomeAsked :exec
UPDATE outcome SET asked_at = sqlc.arg(asked_at)::timestamptz, asked_user = sqlc.arg(asked_user),
    dm_channel_id = sqlc.arg(dm_channel_id), dm_message_ts = sqlc.arg(dm_message_ts)
WHERE id = sqlc.arg(id);

-- name: ReleaseOutcome :exec
-- The question could not be sent; the next run tries again.
UPDATE outcome SET claimed_at = NULL WHERE id = $1 AND asked_at IS NULL;

-- name: GetOutcome :one
SELECT * FROM outcome WHERE id = $1;

-- name: AnswerOutcome :one
UPDATE outcome SET reasons = sqlc.arg(reasons)::text[], note = sqlc.arg(note)::text,
    answered_by = sqlc.arg(answered_by)::text, answered_at = sqlc.arg(answered_at)::timestamptz
WHERE id = sqlc.arg(id)
RETURNING *;

-- name: OutcomeTallies :many
-- Per kind: how many were asked and answered.
SELECT kind, count(*) FILTER (WHERE asked_at IS NOT NULL)::bigint AS asked,
       count(*) FILTER (WHERE answered_at IS NOT NULL)::bigint AS answered,
       count(*)::bigint AS detected
FROM outcome GROUP BY kind ORDER BY kind;

-- name: OutcomeReasonCounts :many
-- Per kind and reason code: how many answered outcomes named it.
SELECT o.kind, r.reason::text AS reason, count(*)::bigint AS n
FROM outcome o CROSS JOIN LATERAL unnest(o.reasons) AS r(reason)
WHERE o.answered_at IS NOT NULL
GROUP BY o.kind, r.reason ORDER BY o.kind, n DESC, r.reason;
