-- Indexes behind /health (store/queries/cards.sql).

-- +goose Up
-- The card's score history and every list's "newest score, and the score 7
-- and 28 days before" read (as_of, score, band) of one account at a time;
-- covering those columns makes the reads index-only instead of one heap
-- page per day of history.
CREATE INDEX score_account_history_idx ON score (account_id, as_of) INCLUDE (score, band);
-- Account lookup rebuilds its in-memory name index only when max(updated_at) moves.
CREATE INDEX account_updated_at_idx ON account (updated_at);

-- +goose Down
DROP INDEX account_updated_at_idx;
DROP INDEX score_account_history_idx;
