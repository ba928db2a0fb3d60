-- Product events as signals since 0150 (issue 15): partitioned by month of
-- occurred_at (event_pYYYY_MM, created by the writer and the scoring job,
-- dropped past HEALTHBOT_SIGNAL_RETENTION), keyed by the message id within
-- its time partition — a retried Segment message carries the same id and
-- timestamp, so it lands on the same key. The bigserial id (read by
-- nothing), the per-row account foreign key (events are attributed by a
-- join on account, and deleting an account deletes its events through the
-- 0150 trigger) and the index on (user_id, occurred_at) (read by nothing;
-- attribution reads the unattributed index) are gone.

-- +goose Up
ALTER TABLE event RENAME TO event_old;
ALTER INDEX event_account_time_idx RENAME TO event_old_account_time_idx;
ALTER INDEX event_unattributed_idx RENAME TO event_old_unattributed_idx;
ALTER INDEX event_pkey RENAME TO event_old_pkey;

CREATE TABLE event (
    message_id   text NOT NULL,
    type         text NOT NULL CHECK (type IN ('track', 'identify', 'group', 'page', 'screen')),
    account_id   bigint,
    user_id      text NOT NULL DEFAULT '',
    anonymous_id text NOT NULL DEFAULT '',
    name         text NOT NULL DEFAULT '',
    occurred_at  timestamptz NOT NULL,
    properties   jsonb NOT NULL DEFAULT '{}'::jsonb,
    received_at  timestamptz NOT NULL DEFAULT now(),
    group_id     text NOT NULL DEFAULT ''
) PARTITION BY RANGE (occurred_at);

-- +goose StatementBegin
DO $$
DECLARE
    total   bigint;
    months  timestamptz[];
    started timestamptz := clock_timestamp();
BEGIN
    SELECT coalesce(sum(n), 0), coalesce(array_agg(m ORDER BY m), '{}') INTO total, months
    FROM (SELECT date_trunc('month', occurred_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m, count(*) AS n
          FROM event_old GROUP BY 1) x;
    IF total = 0 THEN -- a new database: nothing to say
        ALTER TABLE event ADD CONSTRAINT event_pkey PRIMARY KEY (message_id, occurred_at);
        CREATE INDEX event_account_time_idx ON event (account_id, occurred_at);
        CREATE INDEX event_unattributed_idx ON event (user_id) WHERE account_id IS NULL;
        RETURN;
    END IF;
    RAISE NOTICE 'event: converting % rows in % monthly partitions', total, cardinality(months);
    PERFORM hb_ensure_month_partitions('event', months);
    INSERT INTO event (message_id, type, account_id, user_id, anonymous_id, name, occurred_at, properties, received_at, group_id)
    SELECT message_id, type, account_id, user_id, anonymous_id, name, occurred_at, properties, received_at, group_id FROM event_old;
    RAISE NOTICE 'event: rows copied in % s; building indexes', round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
    ALTER TABLE event ADD CONSTRAINT event_pkey PRIMARY KEY (message_id, occurred_at);
    CREATE INDEX event_account_time_idx ON event (account_id, occurred_at);
    CREATE INDEX event_unattributed_idx ON event (user_id) WHERE account_id IS NULL;
    RAISE NOTICE 'event: done in % s', round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
END
$$;
-- +goose StatementEnd

DROP TABLE event_old;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hb_delete_account_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM signal s USING gone g WHERE s.account_id = g.id;
    DELETE FROM event e USING gone g WHERE e.account_id = g.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hb_delete_account_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM signal s USING gone g WHERE s.account_id = g.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
ALTER TABLE event RENAME TO event_new;
ALTER INDEX event_account_time_idx RENAME TO event_new_account_time_idx;
ALTER INDEX event_unattributed_idx RENAME TO event_new_unattributed_idx;
ALTER INDEX event_pkey RENAME TO event_new_pkey;
CREATE TABLE event (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL UNIQUE,
    type         text NOT NULL CHECK (type IN ('track', 'identify', 'group', 'page', 'screen')),
    account_id   bigint REFERENCES account (id) ON DELETE CASCADE,
    user_id      text NOT NULL DEFAULT '',
    anonymous_id text NOT NULL DEFAULT '',
    name         text NOT NULL DEFAULT '',
    occurred_at  timestamptz NOT NULL,
    properties   jsonb NOT NULL DEFAULT '{}'::jsonb,
    received_at  timestamptz NOT NULL DEFAULT now(),
    group_id     text NOT NULL DEFAULT ''
);
INSERT INTO event (message_id, type, account_id, user_id, anonymous_id, name, occurred_at, properties, received_at, group_id)
SELECT DISTINCT ON (message_id) message_id, type, account_id, user_id, anonymous_id, name, occurred_at, properties, received_at, group_id
FROM event_new ORDER BY message_id, received_at;
DROP TABLE event_new;
CREATE INDEX event_account_time_idx ON event (account_id, occurred_at);
CREATE INDEX event_user_time_idx ON event (user_id, occurred_at);
CREATE INDEX event_unattributed_idx ON event (user_id) WHERE account_id IS NULL;
