-- name: UpsertAskThread :exec
INSERT INTO ask_thread (channel_id, thread_ts, user_id, context_channel_id, account_id, started_at)
VALUES (@channel_id, @thread_ts, @user_id, @context_channel_id, sqlc.narg(account_id), @started_at)
ON CONFLICT (channel_id, thread_ts) DO UPDATE
SET context_channel_id = EXCLUDED.context_channel_id, account_id = EXCLUDED.account_id;

-- name: GetAskThread :one
SELECT t.user_id, t.context_channel_id, t.titled, a.id AS account_id, a.name AS account_name, a.external_id AS account_external_id
FROM ask_thread t LEFT JOIN account a ON a.id = t.account_id
WHERE t.channel_id = @channel_id AND t.thread_ts = @thread_ts;

-- name: MarkAskThreadTitled :execrows
UPDATE ask_thread SET titled = true WHERE channel_id = @channel_id AND thread_ts = @thread_ts AND NOT titled;

-- name: InsertAskAnswer :one
INSERT INTO ask_answer (asked_at, user_id, surface, question, tools, model, streamed)
VALUES (@asked_at, @user_id, @surface, @question, @tools, @model, @streamed)
RETURNING id;

-- name: VoteAskAnswer :execrows
INSERT INTO ask_feedback (answer_id, user_id, helpful, voted_at)
SELECT id, @user_id, @helpful, @voted_at FROM ask_answer WHERE id = @answer_id
ON CONFLICT (answer_id, user_id) DO UPDATE SET helpful = EXCLUDED.helpful, voted_at = EXCLUDED.voted_at;

-- name: AskStatsByModel :many
SELECT a.model, a.surface, count(DISTINCT a.id)::bigint AS answers,
       count(f.answer_id) FILTER (WHERE f.helpful)::bigint AS up,
       count(f.answer_id) FILTER (WHERE NOT f.helpful)::bigint AS down
FROM ask_answer a LEFT JOIN ask_feedback f ON f.answer_id = a.id
WHERE a.asked_at >= @since
GROUP BY a.model, a.surface
ORDER BY answers DESC, a.model, a.surface;

-- name: AskStatsByTool :many
SELECT t.tool::text AS tool, count(DISTINCT a.id)::bigint AS answers,
       count(f.answer_id) FILTER (WHERE f.helpful)::bigint AS up,
       count(f.answer_id) FILTER (WHERE NOT f.helpful)::bigint AS down
FROM ask_answer a
CROSS JOIN LATERAL unnest(a.tools) AS t(tool)
LEFT JOIN ask_feedback f ON f.answer_id = a.id
WHERE a.asked_at >= @since
GROUP BY t.tool
ORDER BY answers DESC, tool;

-- name: InsertBacktestRun :exec
INSERT INTO backtest_run (ran_at, horizon_days, report) VALUES (@ran_at, @horizon_days, @report);

-- name: LatestBacktestRun :one
SELECT ran_at, horizon_days, report FROM backtest_run ORDER BY ran_at DESC, id DESC LIMIT 1;
