-- The CSM's week (#17): a timeline of what was done per account, out of
-- office with an optional cover, the check-in's Later button, the weekly
-- alert-DM budget and the Not useful button. Separate tables, so the
-- existing rows (csm, alert, pulse) keep their shape.

-- +goose Up
CREATE TABLE touchpoint (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    csm_id       bigint REFERENCES csm (id) ON DELETE SET NULL,
    user_id      text   NOT NULL DEFAULT '',  -- the Slack user who logged it
    kind         text   NOT NULL CHECK (kind IN ('call', 'meeting', 'email', 'qbr', 'other', 'alert')),
    note         text   NOT NULL DEFAULT '' CHECK (length(note) <= 3000),
    at           timestamptz NOT NULL,
    -- Acknowledging or assigning an alert records itself: which alert, and what.
    alert_id     bigint REFERENCES alert (id) ON DELETE SET NULL,
    alert_action text   NOT NULL DEFAULT '' CHECK (alert_action IN ('', 'acknowledged', 'assigned'))
);
CREATE INDEX touchpoint_account_idx ON touchpoint (account_id, at DESC);
CREATE INDEX touchpoint_alert_idx ON touchpoint (alert_id) WHERE alert_id IS NOT NULL;

-- Away through `until` (a day, inclusive); the cover gets the check-in for
-- the away CSM's accounts meanwhile.
CREATE TABLE csm_away (
    csm_id       bigint PRIMARY KEY REFERENCES csm (id) ON DELETE CASCADE,
    until        date   NOT NULL,
    cover_csm_id bigint REFERENCES csm (id) ON DELETE SET NULL,
    set_by       text   NOT NULL DEFAULT '',
    set_at       timestamptz NOT NULL,
    CHECK (cover_csm_id IS NULL OR cover_csm_id <> csm_id)
);

-- The check-in's Later button: once per CSM and week, re-sent at due_at.
CREATE TABLE pulse_later (
    csm_id  bigint NOT NULL REFERENCES csm (id) ON DELETE CASCADE,
    week    text   NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    due_at  timestamptz NOT NULL,
    sent_at timestamptz,
    PRIMARY KEY (csm_id, week)
);
ALTER TABLE pulse_message DROP CONSTRAINT pulse_message_kind_check;
ALTER TABLE pulse_message ADD CONSTRAINT pulse_message_kind_check CHECK (kind IN ('checkin', 'reminder', 'later'));

-- Where each alert went for each person: a DM (counted against the weekly
-- budget) or the daily summary DM instead.
CREATE TABLE alert_delivery (
    alert_id bigint NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
    user_id  text   NOT NULL CHECK (user_id <> ''),
    week     text   NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    how      text   NOT NULL CHECK (how IN ('dm', 'summary')),
    priority double precision NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (alert_id, user_id)
);
CREATE INDEX alert_delivery_user_week_idx ON alert_delivery (user_id, week, how);

-- The Not useful button, with an optional reason; one vote per person.
CREATE TABLE alert_feedback (
    alert_id bigint NOT NULL REFERENCES alert (id) ON DELETE CASCADE,
    user_id  text   NOT NULL CHECK (user_id <> ''),
    reason   text   NOT NULL DEFAULT '' CHECK (length(reason) <= 500),
    at       timestamptz NOT NULL,
    PRIMARY KEY (alert_id, user_id)
);

-- +goose Down
DROP TABLE alert_feedback;
DROP TABLE alert_delivery;
DELETE FROM pulse_message WHERE kind = 'later';
ALTER TABLE pulse_message DROP CONSTRAINT pulse_message_kind_check;
ALTER TABLE pulse_message ADD CONSTRAINT pulse_message_kind_check CHECK (kind IN ('checkin', 'reminder'));
DROP TABLE pulse_later;
DROP TABLE csm_away;
DROP TABLE touchpoint;
