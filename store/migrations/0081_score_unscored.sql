-- Issue 12: a "not enough data" score keeps its explanation (what is
-- missing, the next step) as scoring.NotEnoughData JSON; NULL when scored.

-- +goose Up
ALTER TABLE score ADD COLUMN unscored jsonb;

-- +goose Down
ALTER TABLE score DROP COLUMN unscored;
