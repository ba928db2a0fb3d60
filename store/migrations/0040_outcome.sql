-- Outcome capture (issue 6): when an account churns or renews, its owner is
-- asked why, once; and the renewal date each account had when last checked,
-- so a later date replacing one that was due reads as a renewal.

-- +goose Up
CREATE TABLE outcome (
    id             bigserial PRIMARY KEY,
    account_id     bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    kind           text NOT NULL CHECK (kind IN ('churn', 'renewal')),
    -- churn: churned_at; renewal: the renewal date that was renewed.
    occurred_on    date NOT NULL,
    next_renewal   date,
    detected_at    timestamptz NOT NULL,
    -- A run sending the question holds the row from claimed_at for a while,
    -- so two runs never ask twice.
    claimed_at     timestamptz,
    asked_at       timestamptz,
    asked_user     text NOT NULL DEFAULT '',
    dm_channel_id  text NOT NULL DEFAULT '',
    dm_message_ts  text NOT NULL DEFAULT '',
    reasons        text[] NOT NULL DEFAULT '{}',
    note           text NOT NULL DEFAULT '',
    answered_by    text NOT NULL DEFAULT '',
    answered_at    timestamptz,
    UNIQUE (account_id, kind, occurred_on)
);
CREATE INDEX outcome_unasked_idx ON outcome (detected_at) WHERE asked_at IS NULL;

CREATE TABLE renewal_seen (
    account_id   bigint PRIMARY KEY REFERENCES account (id) ON DELETE CASCADE,
    renewal_date date NOT NULL,
    seen_at      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE renewal_seen, outcome;
