-- Connectors (issue 18): each source (stripe, hubspot, sql:<name>) keeps its
-- cursor here, written in the same transaction as the page it follows, so a
-- sync that dies resumes after the last page it wrote. run_by/run_at is the
-- source's lease: one run per source at a time, from `serve` or the CLI.

-- +goose Up
CREATE TABLE sync_source (
    name          text PRIMARY KEY CHECK (name <> ''),
    cursor        text NOT NULL DEFAULT '',
    run_by        text NOT NULL DEFAULT '',
    run_at        timestamptz,
    last_started  timestamptz,
    last_finished timestamptz,
    last_ok       timestamptz,
    last_summary  text NOT NULL DEFAULT '',
    last_error    text NOT NULL DEFAULT ''
);

-- +goose Down
DROP TABLE sync_source;
