-- name: CreateAPIKey :one
INSERT INTO api_key (name, hash, scope) VALUES ($1, $2, $3)
RETURNING id, name, created_at, scope;

-- name: GetAPIKeyByHash :one
SELECT id, name, created_at, last_used_at, revoked_at, scope FROM api_key WHERE hash = $1;

-- name: ListAPIKeys :many
SELECT id, name, created_at, last_used_at, revoked_at, scope FROM api_key
ORDER BY revoked_at IS NOT NULL, name, created_at;

-- name: RevokeAPIKey :execrows
UPDATE api_key SET revoked_at = sqlc.arg(at)::timestamptz
WHERE name = sqlc.arg(name)::text AND revoked_at IS NULL;

-- name: TouchAPIKey :exec
-- Records a use at most once a minute per key, so busy clients do not turn
-- every request into a write.
UPDATE api_key SET last_used_at = sqlc.arg(at)::timestamptz
WHERE id = sqlc.arg(id)::bigint
  AND (last_used_at IS NULL OR last_used_at < sqlc.arg(at)::timestamptz - interval '1 minute');
