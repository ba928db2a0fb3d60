-- name: GetAccount :one
SELECT * FROM account WHERE id = $1;

-- name: GetAccountByExternalID :one
SELECT * FROM account WHERE external_id = $1;

-- name: ListAccounts :many
SELECT a.*, c.slack_user_id AS owner_slack_user_id, c.email AS owner_email, c.name AS owner_name, c.tz AS owner_tz
FROM account a LEFT JOIN csm c ON c.id = a.owner_id
ORDER BY a.name, a.id;

-- name: CountAccounts :one
SELECT count(*) FROM account;

-- name: UpsertAccount :one
INSERT INTO account (external_id, name, domain, segment, outcome, owner_id, plan, mrr, seats,
                     renewal_date, started_at, churned_at, attributes)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
ON CONFLICT (external_id) DO UPDATE SET
    name = EXCLUDED.name, domain = EXCLUDED.domain, segment = EXCLUDED.segment,
    outcome = EXCLUDED.outcome, owner_id = EXCLUDED.owner_id, plan = EXCLUDED.plan,
    mrr = EXCLUDED.mrr, seats = EXCLUDED.seats, renewal_date = EXCLUDED.renewal_date,
    started_at = EXCLUDED.started_at, churned_at = EXCLUDED.churned_at,
    attributes = EXCLUDED.attributes, updated_at = now()
RETURNING id;
