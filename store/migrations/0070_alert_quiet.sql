-- Quiet start (alerts): the first alert run on a portfolio finds every
-- condition that already holds (9,000 alerts for 10,000 accounts in the
-- benchmark). Those alerts are recorded, so dedup and cooldowns work from
-- day one, but marked quiet: they are summed up in one message instead of
-- being posted one by one, and never retried as "unposted".

-- +goose Up
ALTER TABLE alert ADD COLUMN quiet boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE alert DROP COLUMN quiet;
