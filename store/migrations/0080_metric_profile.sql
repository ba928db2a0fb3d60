-- Metric discovery (issue 12): one profile per signal key, the cached
-- result of one aggregate scan of signal, refreshed when a new key appears
-- or the profiles are older than a few days; and the direction learned
-- from churn for it, with its evidence (scoring.LearnedDirection as JSON).

-- +goose Up
CREATE TABLE metric_profile (
    signal         text PRIMARY KEY,
    accounts       integer NOT NULL,
    row_count      bigint NOT NULL,
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    min_value      double precision NOT NULL,
    max_value      double precision NOT NULL,
    integer_valued boolean NOT NULL,
    binary_valued  boolean NOT NULL,
    per_account    double precision NOT NULL,
    gap_days       double precision NOT NULL,
    direction      jsonb,
    profiled_at    timestamptz NOT NULL
);

-- +goose Down
DROP TABLE metric_profile;
