-- name: IntakeAccountsByExternalIDs :many
SELECT * FROM account WHERE external_id = ANY(sqlc.arg(external_ids)::text[]);

-- name: IntakeAccountIDs :many
SELECT id, external_id FROM account WHERE external_id = ANY(sqlc.arg(external_ids)::text[]);

-- name: IntakeUpsertPulse :exec
INSERT INTO pulse (account_id, csm_id, rating, reasons, note, week, answered_at, source)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (account_id, week) DO UPDATE SET
    csm_id = EXCLUDED.csm_id, rating = EXCLUDED.rating, reasons = EXCLUDED.reasons,
    note = EXCLUDED.note, answered_at = EXCLUDED.answered_at, source = EXCLUDED.source;

-- name: IntakeCSMIDsByEmail :many
SELECT id, lower(email)::text AS email FROM csm
WHERE lower(email) = ANY(sqlc.arg(emails)::text[]);

-- name: IntakeCSMIDsBySlackID :many
SELECT id, slack_user_id::text AS slack_user_id FROM csm
WHERE slack_user_id = ANY(sqlc.arg(slack_ids)::text[]);
