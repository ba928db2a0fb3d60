-- Weekly pulse (issue 5): every check-in or reminder DM the bot sent, so a
-- click updates the right message, a retried send skips pages already
-- delivered, and reminders know who was asked.

-- +goose Up
CREATE TABLE pulse_message (
    csm_id      bigint NOT NULL REFERENCES csm (id) ON DELETE CASCADE,
    week        text NOT NULL CHECK (week ~ '^[0-9]{4}-W[0-9]{2}$'),
    kind        text NOT NULL CHECK (kind IN ('checkin', 'reminder')),
    page        integer NOT NULL CHECK (page >= 0),
    channel_id  text NOT NULL CHECK (channel_id <> ''),
    ts          text NOT NULL CHECK (ts <> ''),
    -- The accounts the page lists, in order, so an update redraws the same page.
    account_ids bigint[] NOT NULL,
    sent_at     timestamptz NOT NULL,
    PRIMARY KEY (csm_id, week, kind, page),
    UNIQUE (channel_id, ts)
);
CREATE INDEX pulse_message_week_idx ON pulse_message (week);

-- +goose Down
DROP TABLE pulse_message;
