-- Read queries behind /health: the account card, lists and App Home.
-- Every query is bounded and uses an index: score by its (account_id, as_of)
-- primary key, pulse by (account_id, week), alert by (account_id, fired_at).

-- name: CardLookupAccounts :many
-- The whole name list for in-memory fuzzy lookup; small columns only.
-- crm_url is the account's CRM record (an attribute), for unfurling links to it.
SELECT id, external_id, name, domain, segment, churned_at,
       COALESCE(attributes->>'crm_url', '')::text AS crm_url
FROM account ORDER BY id;

-- name: CardAccountsVersion :one
-- Moves whenever an account is added or updated (two index look-ups), so the
-- lookup index is rebuilt only then.
SELECT COALESCE((SELECT max(id) FROM account), 0)::bigint AS max_id,
       COALESCE((SELECT max(updated_at) FROM account), 'epoch'::timestamptz)::timestamptz AS max_updated;

-- name: CardAccount :one
-- One account with its owner, its newest score and its newest pulse.
SELECT a.id, a.external_id, a.name, a.domain, a.segment, a.outcome, a.owner_id, a.plan, a.mrr,
       a.seats, a.renewal_date, a.started_at, a.churned_at, a.attributes,
       c.slack_user_id AS owner_slack_user_id, c.email AS owner_email, c.name AS owner_name, c.tz AS owner_tz,
       s.as_of AS score_as_of, COALESCE(s.scorecard, '')::text AS score_scorecard, s.score AS score_value,
       COALESCE(s.band, '')::text AS score_band, COALESCE(s.confidence, 0)::float8 AS score_confidence,
       COALESCE(s.subscores, '{}')::jsonb AS score_subscores, COALESCE(s.contributions, '[]')::json AS score_contributions,
       s.unscored AS score_unscored,
       COALESCE(p.id, 0)::bigint AS pulse_id, p.csm_id AS pulse_csm_id, pc.name AS pulse_csm_name,
       COALESCE(p.rating, '')::text AS pulse_rating, COALESCE(p.reasons, '{}')::text[] AS pulse_reasons,
       COALESCE(p.note, '')::text AS pulse_note, COALESCE(p.week, '')::text AS pulse_week,
       COALESCE(p.answered_at, 'epoch')::timestamptz AS pulse_answered_at, COALESCE(p.source, '')::text AS pulse_source
FROM account a
LEFT JOIN csm c ON c.id = a.owner_id
LEFT JOIN LATERAL (
    SELECT * FROM score WHERE score.account_id = a.id ORDER BY score.as_of DESC LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT * FROM pulse WHERE pulse.account_id = a.id ORDER BY pulse.week DESC LIMIT 1
) p ON true
LEFT JOIN csm pc ON pc.id = p.csm_id
WHERE a.id = $1;

-- name: CardScoreHistory :many
-- Score points of one account after a date, oldest first (primary-key range scan).
SELECT as_of, score, band FROM score
WHERE account_id = $1 AND as_of > sqlc.arg(since)::date
ORDER BY as_of;

-- name: CardOpenAlerts :many
SELECT id, kind, summary, fired_at, state, snoozed_until FROM alert
WHERE account_id = $1 AND state <> 'resolved'
ORDER BY fired_at DESC
LIMIT sqlc.arg(max_rows)::int;

-- name: CardSummaries :many
-- One line per live account from its current state (account_state): owner,
-- newest score, the scores 7 and 28 days before it (scoring.ScoreAt) and the
-- newest pulse. Each filter applies only when its argument is not NULL.
SELECT a.id, a.external_id, a.name, a.domain, a.segment, a.owner_id, a.mrr, a.seats, a.renewal_date,
       c.slack_user_id AS owner_slack_user_id, c.name AS owner_name, c.email AS owner_email,
       st.as_of AS score_as_of, st.score AS score_value, COALESCE(st.band, '')::text AS score_band,
       st.score_7d, st.score_28d,
       COALESCE(st.pulse_rating, '')::text AS pulse_rating, COALESCE(st.pulse_week, '')::text AS pulse_week,
       COALESCE(st.pulse_answered_at, 'epoch')::timestamptz AS pulse_answered_at,
       COALESCE(st.open_alerts, 0)::int AS open_alerts
FROM account a
LEFT JOIN csm c ON c.id = a.owner_id
LEFT JOIN account_state st ON st.account_id = a.id
WHERE a.churned_at IS NULL
  AND (sqlc.narg(owner_id)::bigint IS NULL OR a.owner_id = sqlc.narg(owner_id)::bigint)
  AND (sqlc.narg(segment)::text IS NULL OR lower(a.segment) = lower(sqlc.narg(segment)::text))
  AND (sqlc.narg(renews_from)::date IS NULL OR a.renewal_date >= sqlc.narg(renews_from)::date)
  AND (sqlc.narg(renews_to)::date IS NULL OR a.renewal_date <= sqlc.narg(renews_to)::date)
  -- scoring.AtRisk with its threshold as the parameter: red, or yellow and
  -- down at_risk_drop over 28 days.
  AND (sqlc.narg(at_risk_drop)::float8 IS NULL OR st.band = 'red'
       OR (st.band = 'yellow' AND st.score - st.score_28d <= -sqlc.narg(at_risk_drop)::float8))
-- line_order 'name' orders by name; 'worst' as blocks.WorstFirst (red,
-- yellow, green, then the rest; lowest score first within a scored band; then
-- the name byte by byte, as Go compares strings); 'renewals' red or yellow
-- first, then by renewal date and name. A key that does not apply to the
-- order is NULL for every row, so it does not reorder. Then one page:
-- page_offset rows skipped, at most page_rows (NULL: all).
ORDER BY
    CASE sqlc.arg(line_order)::text
        WHEN 'worst' THEN CASE st.band WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 ELSE 3 END
        WHEN 'renewals' THEN CASE WHEN st.band IN ('red', 'yellow') THEN 0 ELSE 1 END
    END,
    CASE WHEN sqlc.arg(line_order)::text = 'worst' AND st.band IN ('red', 'yellow', 'green') THEN st.score END,
    CASE WHEN sqlc.arg(line_order)::text = 'renewals' THEN a.renewal_date END,
    CASE WHEN sqlc.arg(line_order)::text <> 'name' THEN a.name COLLATE "C" END,
    a.name, a.id
LIMIT sqlc.narg(page_rows)::bigint OFFSET sqlc.arg(page_offset)::bigint;

-- name: CardSummaryTotals :many
-- The totals of the lines CardSummaries lists with the same filters (the
-- WHERE clause is the same), by band (empty when the account has no state row)
-- and whether it has a score row: how many, their MRR and the sum of their
-- scores. Lists page in SQL and take their counts and sums from here.
SELECT COALESCE(st.band, '')::text AS band, (st.as_of IS NOT NULL)::bool AS has_score_row,
       count(*)::bigint AS accounts, COALESCE(sum(a.mrr), 0)::float8 AS mrr,
       COALESCE(sum(st.score), 0)::float8 AS score_sum
FROM account a
LEFT JOIN account_state st ON st.account_id = a.id
WHERE a.churned_at IS NULL
  AND (sqlc.narg(owner_id)::bigint IS NULL OR a.owner_id = sqlc.narg(owner_id)::bigint)
  AND (sqlc.narg(segment)::text IS NULL OR lower(a.segment) = lower(sqlc.narg(segment)::text))
  AND (sqlc.narg(renews_from)::date IS NULL OR a.renewal_date >= sqlc.narg(renews_from)::date)
  AND (sqlc.narg(renews_to)::date IS NULL OR a.renewal_date <= sqlc.narg(renews_to)::date)
  AND (sqlc.narg(at_risk_drop)::float8 IS NULL OR st.band = 'red'
       OR (st.band = 'yellow' AND st.score - st.score_28d <= -sqlc.narg(at_risk_drop)::float8))
GROUP BY 1, 2
ORDER BY 1, 2;

-- name: CardMovers :many
-- The live accounts whose score moved at least move_min (scoring.MoveMin)
-- over days (7 or 28) against the state's ScoreAt value: the n largest drops
-- and the n largest rises, ties by name as the full list orders them.
WITH moved AS (
    SELECT a.id, a.external_id, a.name, a.domain, a.segment, a.owner_id, a.mrr, a.seats, a.renewal_date,
           c.slack_user_id AS owner_slack_user_id, c.name AS owner_name, c.email AS owner_email,
           st.as_of AS score_as_of, st.score AS score_value, st.band AS score_band,
           st.score_7d, st.score_28d, st.pulse_rating, st.pulse_week, st.pulse_answered_at, st.open_alerts,
           st.score - CASE WHEN sqlc.arg(days)::int = 7 THEN st.score_7d ELSE st.score_28d END AS delta
    FROM account a
    JOIN account_state st ON st.account_id = a.id
    LEFT JOIN csm c ON c.id = a.owner_id
    WHERE a.churned_at IS NULL AND st.band IN ('green', 'yellow', 'red')
), ranked AS (
    SELECT moved.*,
           row_number() OVER (ORDER BY delta, name, id) AS down_rank,
           row_number() OVER (ORDER BY delta DESC, name, id) AS up_rank
    FROM moved
    WHERE delta <= -sqlc.arg(move_min)::float8 OR delta >= sqlc.arg(move_min)::float8
)
SELECT id, external_id, name, domain, segment, owner_id, mrr, seats, renewal_date,
       owner_slack_user_id, owner_name, owner_email, score_as_of, score_value, score_band::text AS score_band,
       score_7d, score_28d, pulse_rating::text AS pulse_rating, pulse_week::text AS pulse_week,
       COALESCE(pulse_answered_at, 'epoch')::timestamptz AS pulse_answered_at, open_alerts::int AS open_alerts
FROM ranked
WHERE (delta < 0 AND down_rank <= sqlc.arg(n)::int) OR (delta > 0 AND up_rank <= sqlc.arg(n)::int)
ORDER BY name, id;

-- name: CardSegments :many
-- Segments of live accounts with their sizes, for "segment NAME" suggestions.
SELECT segment, count(*)::bigint AS n FROM account
WHERE churned_at IS NULL AND segment <> ''
GROUP BY segment ORDER BY segment;
