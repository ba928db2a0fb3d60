-- Read-only queries behind the question tools (bot/ask). Every one is
-- parameterised and bounded by a LIMIT; store.ReadOnly runs them inside a
-- read-only transaction that is always rolled back.

-- name: AskSearchAccounts :many
-- Live accounts with their current state (account_state) when it is at or
-- before as_of: the newest score and the change against the scores 7 and 28
-- days before it (scoring.ScoreAt). A trend counts a change of at least
-- move_min (scoring.MoveMin); at_risk_drop, when set, keeps the accounts
-- scoring.AtRisk names (red, or yellow and down at_risk_drop in 28 days).
WITH cur AS (
    SELECT a.id, a.external_id, a.name, a.segment, a.mrr::float8 AS mrr, a.renewal_date,
           coalesce(c.name, '')::text AS owner_name,
           st.as_of AS score_as_of, st.score AS score, coalesce(nullif(st.band, ''), 'none')::text AS band,
           st.score_7d AS score_7d_ago,
           st.score_28d AS score_28d_ago
    FROM account a
    LEFT JOIN csm c ON c.id = a.owner_id
    LEFT JOIN account_state st ON st.account_id = a.id AND st.as_of <= sqlc.arg(as_of)::date
    WHERE (a.churned_at IS NULL OR a.churned_at > sqlc.arg(as_of)::date)
      AND (sqlc.narg(segment)::text IS NULL OR lower(a.segment) = lower(sqlc.narg(segment)::text))
      AND (sqlc.narg(owner)::text IS NULL
           OR c.name ILIKE '%' || sqlc.narg(owner_pattern)::text || '%'
           OR lower(c.email) = lower(sqlc.narg(owner)::text)
           OR c.slack_user_id = sqlc.narg(owner)::text)
      AND (sqlc.narg(renewal_within_days)::int IS NULL
           OR (a.renewal_date >= sqlc.arg(as_of)::date
               AND a.renewal_date <= sqlc.arg(as_of)::date + sqlc.narg(renewal_within_days)::int))
), filtered AS (
    SELECT cur.*,
           CASE WHEN sqlc.arg(trend_days)::int = 7 THEN score - score_7d_ago ELSE score - score_28d_ago END AS change
    FROM cur
    WHERE (sqlc.narg(band)::text IS NULL OR band = sqlc.narg(band)::text)
      AND (sqlc.narg(min_score)::float8 IS NULL OR score >= sqlc.narg(min_score)::float8)
      AND (sqlc.narg(max_score)::float8 IS NULL OR score <= sqlc.narg(max_score)::float8)
      AND (sqlc.narg(at_risk_drop)::float8 IS NULL OR band = 'red'
           OR (band = 'yellow' AND score - score_28d_ago <= -sqlc.narg(at_risk_drop)::float8))
)
SELECT id, external_id, name, segment, mrr, renewal_date, owner_name, score_as_of, score, band,
       score_7d_ago, score_28d_ago, count(*) OVER ()::bigint AS total
FROM filtered
WHERE sqlc.narg(trend)::text IS NULL
   OR (sqlc.narg(trend)::text = 'dropping' AND change <= -sqlc.arg(move_min)::float8)
   OR (sqlc.narg(trend)::text = 'rising' AND change >= sqlc.arg(move_min)::float8)
ORDER BY
    CASE WHEN sqlc.arg(sort)::text = 'score_asc' THEN score END ASC NULLS LAST,
    CASE WHEN sqlc.arg(sort)::text = 'score_desc' THEN score END DESC NULLS LAST,
    CASE WHEN sqlc.arg(sort)::text = 'change_asc' THEN change END ASC NULLS LAST,
    CASE WHEN sqlc.arg(sort)::text = 'change_desc' THEN change END DESC NULLS LAST,
    CASE WHEN sqlc.arg(sort)::text = 'renewal_asc' THEN renewal_date END ASC NULLS LAST,
    CASE WHEN sqlc.arg(sort)::text = 'mrr_desc' THEN mrr END DESC NULLS LAST,
    name, id
LIMIT sqlc.arg(lim)::int;

-- name: AskAccount :one
-- One account with its owner and latest score at or before as_of (with
-- subscores and drivers); store.AskAccount adds the changes from the
-- account's state.
SELECT a.id, a.external_id, a.name, a.domain, a.segment, a.plan, a.mrr::float8 AS mrr, a.seats,
       a.renewal_date, a.churned_at,
       coalesce(c.name, '')::text AS owner_name, coalesce(c.slack_user_id, '')::text AS owner_slack_id,
       l.as_of AS score_as_of, l.score AS score, coalesce(l.band, 'none')::text AS band,
       coalesce(l.confidence, 0)::float8 AS confidence, coalesce(l.scorecard, '')::text AS scorecard,
       coalesce(l.subscores, '{}'::jsonb)::jsonb AS subscores,
       coalesce(l.contributions, '[]'::json)::json AS contributions
FROM account a
LEFT JOIN csm c ON c.id = a.owner_id
LEFT JOIN LATERAL (
    SELECT s.as_of, s.score, s.band, s.confidence, s.scorecard, s.subscores, s.contributions FROM score s
    WHERE s.account_id = a.id AND s.as_of <= sqlc.arg(as_of)::date
    ORDER BY s.as_of DESC LIMIT 1
) l ON true
WHERE a.id = sqlc.arg(id);

-- name: AskScoreHistory :many
SELECT as_of, score, band FROM score
WHERE account_id = sqlc.arg(account_id)
  AND as_of <= sqlc.arg(as_of)::date
  AND as_of > sqlc.arg(as_of)::date - sqlc.arg(days)::int
ORDER BY as_of
LIMIT 400;

-- name: AskAlerts :many
-- Alerts of one account (or all), newest first. state: 'open' (open, or
-- snoozed past its time), 'unresolved' (anything not resolved) or 'all'.
SELECT al.id, al.account_id, a.name AS account_name, al.kind, al.summary, al.fired_at, al.state, al.snoozed_until
FROM alert al
JOIN account a ON a.id = al.account_id
WHERE (sqlc.narg(account_id)::bigint IS NULL OR al.account_id = sqlc.narg(account_id)::bigint)
  AND (sqlc.arg(state)::text = 'all'
       OR (sqlc.arg(state)::text = 'unresolved' AND al.state <> 'resolved')
       OR (sqlc.arg(state)::text = 'open'
           AND (al.state = 'open' OR (al.state = 'snoozed' AND al.snoozed_until <= sqlc.arg(now)::timestamptz))))
ORDER BY al.fired_at DESC, al.id DESC
LIMIT sqlc.arg(lim)::int;

-- name: AskPulses :many
SELECT p.week, p.rating, p.reasons, p.note, p.answered_at, coalesce(c.name, '')::text AS csm_name
FROM pulse p
LEFT JOIN csm c ON c.id = p.csm_id
WHERE p.account_id = sqlc.arg(account_id)
ORDER BY p.answered_at DESC, p.id DESC
LIMIT sqlc.arg(lim)::int;

-- name: AskPortfolio :many
-- Live accounts grouped by segment, owner or not at all ('all'), with band
-- counts, score sum (for the mean), MRR, MRR in red and renewals in the next
-- renewal_days (scoring.DefaultRenewalDays), from the current state.
WITH cur AS (
    SELECT a.id, a.segment, coalesce(c.name, '')::text AS owner_name, a.mrr::float8 AS mrr, a.renewal_date,
           st.score, coalesce(nullif(st.band, ''), 'none')::text AS band
    FROM account a
    LEFT JOIN csm c ON c.id = a.owner_id
    LEFT JOIN account_state st ON st.account_id = a.id AND st.as_of <= sqlc.arg(as_of)::date
    WHERE (a.churned_at IS NULL OR a.churned_at > sqlc.arg(as_of)::date)
      AND (sqlc.narg(segment)::text IS NULL OR lower(a.segment) = lower(sqlc.narg(segment)::text))
)
SELECT (CASE sqlc.arg(group_by)::text WHEN 'segment' THEN segment WHEN 'owner' THEN owner_name ELSE '' END)::text AS grp,
       count(*)::bigint AS accounts,
       count(*) FILTER (WHERE band = 'green')::bigint AS green,
       count(*) FILTER (WHERE band = 'yellow')::bigint AS yellow,
       count(*) FILTER (WHERE band = 'red')::bigint AS red,
       count(*) FILTER (WHERE band = 'none')::bigint AS no_score,
       count(score)::bigint AS scored,
       coalesce(sum(score), 0)::float8 AS score_sum,
       coalesce(sum(mrr), 0)::float8 AS mrr,
       coalesce(sum(mrr) FILTER (WHERE band = 'red'), 0)::float8 AS mrr_red,
       count(*) FILTER (WHERE renewal_date >= sqlc.arg(as_of)::date
                          AND renewal_date <= sqlc.arg(as_of)::date + sqlc.arg(renewal_days)::int)::bigint AS renewing_90d
FROM cur
GROUP BY 1
ORDER BY 1
LIMIT 50;

-- name: AskVocabulary :many
-- Live account names and their segments, for the built-in parser to spot
-- names in a question. Bounded; a bigger portfolio needs the model.
SELECT a.id, a.name, a.segment, a.domain
FROM account a
WHERE a.churned_at IS NULL OR a.churned_at > sqlc.arg(as_of)::date
ORDER BY a.name, a.id
LIMIT 5000;

-- name: AskOwners :many
SELECT name, coalesce(slack_user_id, '')::text AS slack_user_id FROM csm
WHERE active AND name <> ''
ORDER BY name
LIMIT 200;
