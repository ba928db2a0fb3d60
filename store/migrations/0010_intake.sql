-- Intake (issue 8): product users' traits from Segment identify calls, the
-- group id of Segment events (so group calls for accounts that do not exist
-- yet can be linked later), and hb_is_admin, which set-based queries share.

-- +goose Up
-- Traits of a product user from identify calls, whatever account they are in.
CREATE TABLE product_user (
    user_id    text PRIMARY KEY CHECK (user_id <> ''),
    traits     jsonb NOT NULL DEFAULT '{}'::jsonb,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- groupId of a group call, or context.groupId of any other event.
ALTER TABLE event ADD COLUMN group_id text NOT NULL DEFAULT '';
-- Rollups attribute events that arrived before their user's group call.
CREATE INDEX event_unattributed_idx ON event (user_id) WHERE account_id IS NULL;

-- hb_is_admin says whether a user's traits make them an admin of their
-- account: role admin/owner/administrator, or a true is_admin/isAdmin/admin.
-- +goose StatementBegin
CREATE FUNCTION hb_is_admin(traits jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(lower(traits->>'role') IN ('admin', 'owner', 'administrator'), false)
        OR coalesce(lower(traits->>'is_admin') IN ('true', '1', 'yes'), false)
        OR coalesce(lower(traits->>'isAdmin') IN ('true', '1', 'yes'), false)
        OR coalesce(lower(traits->>'admin') IN ('true', '1', 'yes'), false)
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION hb_is_admin(jsonb);
DROP INDEX event_unattributed_idx;
ALTER TABLE event DROP COLUMN group_id;
DROP TABLE product_user;
