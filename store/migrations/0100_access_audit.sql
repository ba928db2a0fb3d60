-- Who may see what (issue 21): every access decision on a surface that
-- shows account data — who asked, through which surface, from which
-- channel, whether they were allowed (and if not, why), and which accounts
-- they were shown. Rows older than HEALTHBOT_AUDIT_RETENTION are deleted by
-- the daily audit-retention job.

-- +goose Up
CREATE TABLE access_audit (
    id          bigserial   PRIMARY KEY,
    at          timestamptz NOT NULL,
    user_id     text        NOT NULL,
    team_id     text        NOT NULL DEFAULT '',
    channel_id  text        NOT NULL DEFAULT '',
    surface     text        NOT NULL,
    allowed     boolean     NOT NULL,
    reason      text        NOT NULL DEFAULT '',
    account_ids bigint[]    NOT NULL DEFAULT '{}'
);
CREATE INDEX access_audit_at_idx ON access_audit (at);
CREATE INDEX access_audit_user_idx ON access_audit (user_id, at);
CREATE INDEX access_audit_accounts_idx ON access_audit USING gin (account_ids);

-- +goose Down
DROP TABLE access_audit;
