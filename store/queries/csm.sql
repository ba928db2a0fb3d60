-- name: GetCSM :one
SELECT * FROM csm WHERE id = $1;

-- name: GetCSMBySlackID :one
SELECT * FROM csm WHERE slack_user_id = $1;

-- name: GetCSMByEmail :one
SELECT * FROM csm WHERE lower(email) = lower(sqlc.arg(email)::text);

-- name: ListCSMs :many
SELECT * FROM csm ORDER BY name, id;

-- name: UpsertCSMByEmail :one
INSERT INTO csm (email, slack_user_id, name)
VALUES (sqlc.arg(email)::text, sqlc.narg(slack_user_id), sqlc.arg(name)::text)
ON CONFLICT (email) DO UPDATE SET
    slack_user_id = COALESCE(EXCLUDED.slack_user_id, csm.slack_user_id),
    name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE csm.name END,
    updated_at = now()
RETURNING id;

-- name: UpsertCSMBySlackID :one
INSERT INTO csm (slack_user_id, email, name)
VALUES (sqlc.arg(slack_user_id)::text, sqlc.narg(email), sqlc.arg(name)::text)
ON CONFLICT (slack_user_id) DO UPDATE SET
    email = COALESCE(EXCLUDED.email, csm.email),
    name = CASE WHEN EXCLUDED.name <> '' THEN EXCLUDED.name ELSE csm.name END,
    updated_at = now()
RETURNING id;

-- name: SetCSMTimeZone :exec
UPDATE csm SET tz = $2, updated_at = now() WHERE id = $1;
