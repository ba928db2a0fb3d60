-- The current-state table (#15): one row per account with what lists, App
-- Home, the digest and the question tools show, so none of them reads the
-- score history at request time (the history is only for charts).
--
-- The score columns are written by every score write (store.UpsertScores
-- refreshes the accounts it wrote, in its transaction), with scoring's
-- definitions of "score N days ago" passed in as parameters; a backfill thus
-- leaves the same row as a daily run. store.Migrate fills them once after
-- this migration. The pulse and alert columns are kept current by the
-- triggers below, whichever code path writes a pulse or moves an alert.

-- +goose Up
CREATE TABLE account_state (
    account_id        bigint PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    as_of             date,                       -- the newest score's day; NULL: never scored
    score             double precision,           -- NULL when not enough data
    band              text NOT NULL DEFAULT '',   -- '' when never scored, 'none' for not enough data
    score_7d          double precision,           -- scoring.ScoreAt(as_of − 7): NULL when none
    band_7d           text NOT NULL DEFAULT '',   -- that point's band ('' when none)
    score_28d         double precision,           -- scoring.ScoreAt(as_of − 28)
    band_since        date,                       -- the first day of the current band's run
    pulse_week        text NOT NULL DEFAULT '',   -- the newest pulse ('' when never answered)
    pulse_rating      text NOT NULL DEFAULT '',
    pulse_answered_at timestamptz,
    open_alerts       integer NOT NULL DEFAULT 0  -- alerts not resolved
);

-- The band distribution of each scored day, for the digest's chart: written
-- with the score state by every score write.
CREATE TABLE score_band_day (
    as_of    date    NOT NULL,
    band     text    NOT NULL,
    accounts integer NOT NULL,
    PRIMARY KEY (as_of, band)
);

-- +goose StatementBegin
CREATE FUNCTION account_state_set_pulse(acct bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM account WHERE id = acct) THEN
        RETURN; -- the account is being deleted; its state goes with it
    END IF;
    INSERT INTO account_state (account_id, pulse_week, pulse_rating, pulse_answered_at)
    SELECT acct, coalesce(p.week, ''), coalesce(p.rating, ''), p.answered_at
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
        SELECT week, rating, answered_at FROM pulse WHERE account_id = acct ORDER BY week DESC LIMIT 1
    ) p ON true
    ON CONFLICT (account_id) DO UPDATE
    SET pulse_week = EXCLUDED.pulse_week, pulse_rating = EXCLUDED.pulse_rating,
        pulse_answered_at = EXCLUDED.pulse_answered_at;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION account_state_set_alerts(acct bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM account WHERE id = acct) THEN
        RETURN;
    END IF;
    INSERT INTO account_state (account_id, open_alerts)
    VALUES (acct, (SELECT count(*) FROM alert WHERE account_id = acct AND state <> 'resolved'))
    ON CONFLICT (account_id) DO UPDATE SET open_alerts = EXCLUDED.open_alerts;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION account_state_pulse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM account_state_set_pulse(OLD.account_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id <> OLD.account_id) THEN
        PERFORM account_state_set_pulse(NEW.account_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION account_state_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM account_state_set_alerts(OLD.account_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.account_id <> OLD.account_id) THEN
        PERFORM account_state_set_alerts(NEW.account_id);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER account_state_pulse AFTER INSERT OR DELETE OR UPDATE OF week, rating, answered_at, account_id ON pulse
    FOR EACH ROW EXECUTE FUNCTION account_state_pulse();
CREATE TRIGGER account_state_alerts AFTER INSERT OR DELETE OR UPDATE OF state, account_id ON alert
    FOR EACH ROW EXECUTE FUNCTION account_state_alerts();

INSERT INTO account_state (account_id, pulse_week, pulse_rating, pulse_answered_at, open_alerts)
SELECT a.id, coalesce(p.week, ''), coalesce(p.rating, ''), p.answered_at,
       (SELECT count(*) FROM alert al WHERE al.account_id = a.id AND al.state <> 'resolved')
FROM account a
LEFT JOIN LATERAL (
    SELECT week, rating, answered_at FROM pulse WHERE pulse.account_id = a.id ORDER BY week DESC LIMIT 1
) p ON true;

-- +goose Down
DROP TRIGGER account_state_alerts ON alert;
DROP TRIGGER account_state_pulse ON pulse;
DROP FUNCTION account_state_alerts();
DROP FUNCTION account_state_pulse();
DROP FUNCTION account_state_set_alerts(bigint);
DROP FUNCTION account_state_set_pulse(bigint);
DROP TABLE score_band_day;
DROP TABLE account_state;
