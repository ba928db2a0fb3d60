-- API key scopes (reliab): a Segment write key is embedded in web pages by
-- design, so a key that can only send events ("events") must not be able
-- to overwrite accounts. "read" may only read the portfolio (the MCP
-- server); "write" adds the REST intake and reading; "admin" is
-- everything. Keys made before scopes keep working as admin keys.

-- +goose Up
ALTER TABLE api_key ADD COLUMN scope text NOT NULL DEFAULT 'admin'
    CHECK (scope IN ('events', 'read', 'write', 'admin'));

-- +goose Down
ALTER TABLE api_key DROP COLUMN scope;
