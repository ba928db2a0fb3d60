-- name: CountNonDemoData :one
-- Rows `healthbot demo` would destroy that it did not write: accounts not
-- marked {"demo": true} and CSMs with neither the demo Slack id prefix nor
-- the demo email domain (a demo CSM played by a real Slack user keeps it).
SELECT (SELECT count(*) FROM account WHERE NOT attributes @> '{"demo": true}'::jsonb)::bigint AS accounts,
       (SELECT count(*) FROM csm
        WHERE NOT coalesce(starts_with(slack_user_id, sqlc.arg(demo_slack_prefix)::text), false)
          AND NOT coalesce(email LIKE '%@' || sqlc.arg(demo_email_domain)::text, false))::bigint AS csms;

-- name: PortfolioSegments :many
-- Accounts, churned accounts and live MRR per segment.
SELECT segment, count(*)::bigint AS accounts,
       count(*) FILTER (WHERE churned_at IS NOT NULL)::bigint AS churned,
       coalesce(sum(mrr) FILTER (WHERE churned_at IS NULL), 0)::float8 AS live_mrr,
       coalesce(sum(seats) FILTER (WHERE churned_at IS NULL), 0)::bigint AS live_seats
FROM account GROUP BY segment ORDER BY segment;

-- name: PortfolioCSMs :many
-- Per CSM: live and churned accounts, and pulses due versus answered over the
-- weeks the pulse table spans (a pulse is due each week an owned account was
-- live on Monday).
WITH weeks AS (
    SELECT generate_series(date_trunc('week', min(answered_at) AT TIME ZONE 'UTC'),
                           date_trunc('week', max(answered_at) AT TIME ZONE 'UTC'),
                           interval '1 week')::date AS monday
    FROM pulse
), due AS (
    SELECT a.owner_id AS csm_id, count(*)::bigint AS due
    FROM account a JOIN weeks w
      ON (a.started_at IS NULL OR a.started_at <= w.monday) AND (a.churned_at IS NULL OR a.churned_at > w.monday)
    GROUP BY a.owner_id
), answered AS (
    SELECT p.csm_id, count(*)::bigint AS answered FROM pulse p GROUP BY p.csm_id
), owned AS (
    SELECT a.owner_id AS csm_id,
           count(*) FILTER (WHERE a.churned_at IS NULL)::bigint AS live,
           count(*) FILTER (WHERE a.churned_at IS NOT NULL)::bigint AS churned
    FROM account a GROUP BY a.owner_id
)
SELECT c.id, c.name, coalesce(c.slack_user_id, '')::text AS slack_user_id, coalesce(c.email, '')::text AS email, c.tz,
       coalesce(o.live, 0)::bigint AS live_accounts, coalesce(o.churned, 0)::bigint AS churned_accounts,
       coalesce(d.due, 0)::bigint AS pulses_due, coalesce(an.answered, 0)::bigint AS pulses_answered
FROM csm c
LEFT JOIN owned o ON o.csm_id = c.id
LEFT JOIN due d ON d.csm_id = c.id
LEFT JOIN answered an ON an.csm_id = c.id
ORDER BY c.name, c.id;

-- name: PortfolioAccountTrends :many
-- Every account with its owner, the mean of one usage metric over the last 28
-- days of its data and over the 28 days three months earlier, and its latest
-- pulse; the demo report picks example accounts from these.
WITH last AS (
    SELECT s.account_id, max(s.observed_at) AS last_at
    FROM signal s WHERE s.metric = sqlc.arg(metric)::text GROUP BY s.account_id
), usage AS (
    SELECT s.account_id,
           avg(s.value) FILTER (WHERE s.observed_at > l.last_at - interval '28 days') AS recent,
           avg(s.value) FILTER (WHERE s.observed_at <= l.last_at - interval '90 days') AS earlier
    FROM signal s JOIN last l ON l.account_id = s.account_id
    WHERE s.metric = sqlc.arg(metric)::text AND s.observed_at > l.last_at - interval '118 days'
    GROUP BY s.account_id
)
SELECT a.id, a.external_id, a.name, a.segment, a.plan, a.mrr, a.seats, a.renewal_date, a.started_at, a.churned_at,
       coalesce(c.name, '')::text AS owner_name,
       u.recent AS usage_recent, u.earlier AS usage_earlier,
       coalesce(p.rating, '')::text AS pulse_rating, coalesce(p.note, '')::text AS pulse_note,
       coalesce(p.week, '')::text AS pulse_week, coalesce(p.reasons, '{}')::text[] AS pulse_reasons
FROM account a
LEFT JOIN csm c ON c.id = a.owner_id
LEFT JOIN usage u ON u.account_id = a.id
LEFT JOIN LATERAL (
    SELECT pu.rating, pu.note, pu.week, pu.reasons FROM pulse pu
    WHERE pu.account_id = a.id ORDER BY pu.answered_at DESC LIMIT 1
) p ON true
ORDER BY a.id;
