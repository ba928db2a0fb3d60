-- Score writes (issue 3): a daily run for 10,000 accounts writes ~55 MB of
-- contributions, about 5 KB an account. As jsonb, Postgres parsed every
-- number into a numeric and then compressed the result with pglz, which
-- together took longer than computing the scores. Contributions are an
-- opaque record the application writes and reads whole (no SQL looks
-- inside), so json (validated text, stored as sent) fits them better, and
-- lz4 compresses several times faster than pglz at a similar ratio.
-- A server built without lz4 keeps pglz (a notice says so).

-- +goose Up
ALTER TABLE score
    ALTER COLUMN contributions DROP DEFAULT,
    ALTER COLUMN contributions TYPE json USING contributions::json,
    ALTER COLUMN contributions SET DEFAULT '[]'::json;
-- +goose StatementBegin
DO $$
BEGIN
    ALTER TABLE score ALTER COLUMN contributions SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'score: this PostgreSQL has no lz4; contributions stay compressed with pglz';
END
$$;
-- +goose StatementEnd

-- +goose Down
ALTER TABLE score
    ALTER COLUMN contributions DROP DEFAULT,
    ALTER COLUMN contributions SET COMPRESSION default,
    ALTER COLUMN contributions TYPE jsonb USING contributions::jsonb,
    ALTER COLUMN contributions SET DEFAULT '[]'::jsonb;
