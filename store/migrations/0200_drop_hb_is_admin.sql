-- The admin rule moves out of the schema (issue 14): which product users
-- count as admins is scoring.AdminTraits, applied in Go by scoring.IsAdmin
-- and in the store's set-based statements with the rule's lists passed as
-- parameters, so changing the rule needs no migration. hb_is_admin, which
-- held a second copy of it, goes.

-- +goose Up
DROP FUNCTION hb_is_admin(jsonb);

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION hb_is_admin(traits jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(lower(traits->>'role') IN ('admin', 'owner', 'administrator'), false)
        OR coalesce(lower(traits->>'is_admin') IN ('true', '1', 'yes'), false)
        OR coalesce(lower(traits->>'isAdmin') IN ('true', '1', 'yes'), false)
        OR coalesce(lower(traits->>'admin') IN ('true', '1', 'yes'), false)
$$;
-- +goose StatementEnd
