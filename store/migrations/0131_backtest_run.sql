-- The last backtests (#19): `healthbot backtest` keeps its report, so the
-- question tools (and MCP clients) can say how well the score predicts
-- churn without rerunning it.

-- +goose Up
CREATE TABLE backtest_run (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ran_at       timestamptz NOT NULL,
    horizon_days integer     NOT NULL,
    report       jsonb       NOT NULL
);

-- +goose Down
DROP TABLE backtest_run;
