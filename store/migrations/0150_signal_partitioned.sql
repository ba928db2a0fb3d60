-- Signal storage at the floor (issue 15). A signal is one row per
-- (account, metric, observed_at, source): that natural key is the primary
-- key, and the only btree. Gone are the random idempotency_key text column
-- with its unique index, the second btree on (account, metric, time), the
-- per-row foreign key to account and the ingested_at default: writers check
-- a batch's accounts once (store.signalWriter), and deleting an account
-- deletes its signals through a statement trigger (ON DELETE kept).
--
-- The table is partitioned by month of observed_at (UTC), one partition
-- named signal_pYYYY_MM per month, created ahead by the scoring job and by
-- every writer for the months it writes (hb_ensure_month_partitions), and
-- dropped past HEALTHBOT_SIGNAL_RETENTION (hb_drop_month_partitions_before).
--
-- An existing database converts in place, printing progress lines (NOTICE)
-- as it goes. Observations the old schema stored twice under different
-- sender keys keep their last-ingested value.

-- +goose Up
-- hb_ensure_month_partitions creates the monthly partitions of parent
-- (partitioned by a timestamptz range) for the months of the given times,
-- and returns how many it created. A partition is created as a plain table
-- and attached, which locks the parent only SHARE UPDATE EXCLUSIVE, so
-- writers into other months are never blocked. Creators take one
-- transaction-level advisory lock first, so two transactions that each
-- create partitions queue instead of deadlocking on each other's tables;
-- the store creates them in a transaction of their own when it can.
-- +goose StatementBegin
CREATE FUNCTION hb_ensure_month_partitions(parent regclass, months timestamptz[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    nsp  text;
    rel  text;
    m    timestamp;
    part text;
    lo   timestamptz;
    hi   timestamptz;
    made int := 0;
BEGIN
    SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = parent;
    FOR m IN SELECT DISTINCT date_trunc('month', t AT TIME ZONE 'UTC') FROM unnest(months) t WHERE t IS NOT NULL LOOP
        part := format('%s_p%s', rel, to_char(m, 'YYYY_MM'));
        IF to_regclass(format('%I.%I', nsp, part)) IS NOT NULL THEN
            CONTINUE;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('hb_ensure_month_partitions'));
        IF to_regclass(format('%I.%I', nsp, part)) IS NOT NULL THEN
            CONTINUE; -- made while this waited
        END IF;
        lo := m AT TIME ZONE 'UTC';
        hi := (m + interval '1 month') AT TIME ZONE 'UTC';
        BEGIN
            EXECUTE format('CREATE TABLE %I.%I (LIKE %s INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', nsp, part, parent);
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)', parent, nsp, part, lo, hi);
            made := made + 1;
        EXCEPTION WHEN duplicate_table THEN
            NULL; -- another writer made it first
        END;
    END LOOP;
    RETURN made;
END
$$;
-- +goose StatementEnd

-- hb_drop_month_partitions_before drops the monthly partitions of parent
-- that end at or before cutoff, and returns their names.
-- +goose StatementBegin
CREATE FUNCTION hb_drop_month_partitions_before(parent regclass, cutoff timestamptz) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
    part regclass;
    name text;
BEGIN
    FOR part IN
        SELECT i.inhrelid::regclass FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = parent AND c.relname ~ '_p[0-9]{4}_[0-9]{2}$'
          AND ((to_date(right(c.relname, 7), 'YYYY_MM') + interval '1 month') AT TIME ZONE 'UTC') <= cutoff
        ORDER BY c.relname
    LOOP
        name := part::text;
        EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', parent, part);
        EXECUTE format('DROP TABLE %s', part);
        RETURN NEXT name;
    END LOOP;
END
$$;
-- +goose StatementEnd

ALTER TABLE signal RENAME TO signal_old;

CREATE TABLE signal (
    account_id  bigint NOT NULL,
    metric      text NOT NULL CHECK (metric <> ''),
    observed_at timestamptz NOT NULL,
    value       double precision NOT NULL,
    source      text NOT NULL DEFAULT ''
) PARTITION BY RANGE (observed_at);

-- Rows move in one pass into keyless partitions, and the primary key is
-- built once at the end: PostgreSQL's advice for a bulk load, and several
-- times faster than keeping the index up row by row.
-- +goose StatementBegin
DO $$
DECLARE
    total   bigint;
    months  timestamptz[];
    moved   bigint;
    dups    bigint := 0;
    started timestamptz := clock_timestamp();
BEGIN
    SELECT coalesce(sum(n), 0), coalesce(array_agg(m ORDER BY m), '{}') INTO total, months
    FROM (SELECT date_trunc('month', observed_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS m, count(*) AS n
          FROM signal_old GROUP BY 1) x;
    IF total = 0 THEN -- a new database: nothing to say
        ALTER TABLE signal ADD CONSTRAINT signal_pkey PRIMARY KEY (account_id, metric, observed_at, source);
        RETURN;
    END IF;
    RAISE NOTICE 'signal: converting % rows in % monthly partitions', total, cardinality(months);
    PERFORM hb_ensure_month_partitions('signal', months);
    INSERT INTO signal (account_id, metric, observed_at, value, source)
    SELECT account_id, metric, observed_at, value, source FROM signal_old;
    GET DIAGNOSTICS moved = ROW_COUNT;
    RAISE NOTICE 'signal: % rows copied in % s; building the primary key',
        moved, round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
    BEGIN
        ALTER TABLE signal ADD CONSTRAINT signal_pkey PRIMARY KEY (account_id, metric, observed_at, source);
    EXCEPTION WHEN unique_violation THEN
        -- Sender keys let one observation be stored twice; keep the last.
        TRUNCATE signal;
        INSERT INTO signal (account_id, metric, observed_at, value, source)
        SELECT DISTINCT ON (account_id, metric, observed_at, source) account_id, metric, observed_at, value, source
        FROM signal_old ORDER BY account_id, metric, observed_at, source, ingested_at DESC;
        GET DIAGNOSTICS dups = ROW_COUNT;
        dups := moved - dups;
        ALTER TABLE signal ADD CONSTRAINT signal_pkey PRIMARY KEY (account_id, metric, observed_at, source);
        RAISE NOTICE 'signal: % observations were stored twice under different keys; kept the last of each', dups;
    END;
    RAISE NOTICE 'signal: done in % s', round(extract(epoch FROM clock_timestamp() - started)::numeric, 1);
END
$$;
-- +goose StatementEnd

DROP TABLE signal_old;

-- As 0041: the daily alert run reads the few interest:<module> signals.
CREATE INDEX signal_interest_idx ON signal (observed_at) WHERE metric LIKE 'interest:%';

-- ON DELETE CASCADE without a per-row foreign key: deleting accounts
-- deletes their signals, once per statement.
-- +goose StatementBegin
CREATE FUNCTION hb_delete_account_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM signal s USING gone g WHERE s.account_id = g.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER account_delete_rows AFTER DELETE ON account
REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION hb_delete_account_rows();

-- +goose Down
DROP TRIGGER account_delete_rows ON account;
DROP FUNCTION hb_delete_account_rows();
ALTER TABLE signal RENAME TO signal_new;
CREATE TABLE signal (
    account_id      bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    metric          text NOT NULL CHECK (metric <> ''),
    observed_at     timestamptz NOT NULL,
    value           double precision NOT NULL,
    source          text NOT NULL DEFAULT '',
    idempotency_key text NOT NULL UNIQUE,
    ingested_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO signal (account_id, metric, observed_at, value, source, idempotency_key)
SELECT s.account_id, s.metric, s.observed_at, s.value, s.source,
       encode(substring(sha256(convert_to(a.external_id, 'UTF8') || '\x00'::bytea || convert_to(s.metric, 'UTF8') || '\x00'::bytea ||
              int8send((extract(epoch FROM s.observed_at) * 1000000)::int8) || convert_to(s.source, 'UTF8')) FROM 1 FOR 16), 'hex')
FROM signal_new s JOIN account a ON a.id = s.account_id;
DROP TABLE signal_new;
CREATE INDEX signal_account_metric_time_idx ON signal (account_id, metric, observed_at);
CREATE INDEX signal_interest_idx ON signal (observed_at) WHERE metric LIKE 'interest:%';
DROP FUNCTION hb_drop_month_partitions_before(regclass, timestamptz);
DROP FUNCTION hb_ensure_month_partitions(regclass, timestamptz[]);
