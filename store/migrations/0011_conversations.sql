-- Conversation signals (issue 8): Slack channels linked to accounts, and one
-- row of metadata per message seen in a linked channel. Message text is
-- never stored: only when, whether the team or the customer wrote it, and
-- whether a sentiment model found it negative.

-- +goose Up
CREATE TABLE channel_link (
    channel_id text PRIMARY KEY CHECK (channel_id <> ''),
    account_id bigint NOT NULL REFERENCES account (id) ON DELETE CASCADE,
    linked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX channel_link_account_idx ON channel_link (account_id);

-- Keyed by (channel, ts) as Slack keys messages, so a redelivered event
-- counts once.
CREATE TABLE conversation_message (
    channel_id text NOT NULL REFERENCES channel_link (channel_id) ON DELETE CASCADE,
    ts         timestamptz NOT NULL,
    from_team  boolean NOT NULL,
    negative   boolean, -- NULL: not classified (no model, or it failed)
    PRIMARY KEY (channel_id, ts)
);

-- +goose Down
DROP TABLE conversation_message, channel_link;
