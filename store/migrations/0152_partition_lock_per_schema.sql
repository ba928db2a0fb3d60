-- The partition creators' advisory lock is keyed by the schema: advisory
-- locks are database-wide, so two healthbot schemas in one database (or
-- parallel test schemas) no longer queue behind each other's creators.
-- store/import_fresh.go takes the same key (lockPartitionCreators).

-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hb_ensure_month_partitions(parent regclass, months timestamptz[]) RETURNS int
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
        PERFORM pg_advisory_xact_lock(hashtextextended(nsp || '/hb_partitions', 0));
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

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION hb_ensure_month_partitions(parent regclass, months timestamptz[]) RETURNS int
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
