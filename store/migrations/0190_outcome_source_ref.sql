-- Connectors (issue 18): a renewal a CRM reports (a closed-won HubSpot deal)
-- is an outcome keyed by the record that reported it, so a sync that reads
-- the deal again records nothing twice.

-- +goose Up
ALTER TABLE outcome ADD COLUMN source_ref text CHECK (source_ref <> '');
CREATE UNIQUE INDEX outcome_source_ref_idx ON outcome (source_ref) WHERE source_ref IS NOT NULL;

-- +goose Down
DROP INDEX outcome_source_ref_idx;
ALTER TABLE outcome DROP COLUMN source_ref;
