-- Module-interest signals (metric "interest:<module>") are few among many;
-- a partial index lets the daily alert run read the last 28 days of them
-- without scanning the signal table.

-- +goose Up
CREATE INDEX signal_interest_idx ON signal (observed_at) WHERE metric LIKE 'interest:%';

-- +goose Down
DROP INDEX signal_interest_idx;
