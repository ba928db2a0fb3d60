-- Weekly pulse (issue 5). Live accounts are those not churned, as in CardSummaries.

-- name: PulseOwners :many
-- Active CSMs who own at least one live account: who gets a check-in.
SELECT c.id, c.slack_user_id, c.email, c.name, c.tz, count(*)::int AS accounts
FROM csm c
JOIN account a ON a.owner_id = c.id AND a.churned_at IS NULL
WHERE c.active
GROUP BY c.id
ORDER BY c.id;

-- name: PulseOwnedAccountIDs :many
SELECT id FROM account
WHERE owner_id = sqlc.arg(owner_id) AND churned_at IS NULL
ORDER BY id;

-- name: PulseAccounts :many
-- The accounts of a check-in page, in the order given: newest score, the
-- newest pulse of an earlier week, and the answer for the week if any.
SELECT a.id, a.name, COALESCE(a.owner_id, 0)::bigint AS owner_id,
       s.as_of AS score_as_of, s.score AS score_value, COALESCE(s.band, '')::text AS score_band,
       COALESCE(lp.rating, '')::text AS last_rating, COALESCE(lp.week, '')::text AS last_week,
       COALESCE(lp.answered_at, 'epoch')::timestamptz AS last_answered_at,
       COALESCE(tp.id, 0)::bigint AS pulse_id, COALESCE(tp.rating, '')::text AS rating,
       COALESCE(tp.reasons, '{}')::text[] AS reasons, COALESCE(tp.note, '')::text AS note,
       COALESCE(tp.answered_at, 'epoch')::timestamptz AS answered_at, COALESCE(tp.csm_id, 0)::bigint AS pulse_csm_id
FROM account a
LEFT JOIN LATERAL (
    SELECT score.as_of, score.score, score.band FROM score
    WHERE score.account_id = a.id ORDER BY score.as_of DESC LIMIT 1
) s ON true
LEFT JOIN LATERAL (
    SELECT pulse.rating, pulse.week, pulse.answered_at FROM pulse
    WHERE pulse.account_id = a.id AND pulse.week < sqlc.arg(week)::text
    ORDER BY pulse.week DESC LIMIT 1
) lp ON true
LEFT JOIN pulse tp ON tp.account_id = a.id AND tp.week = sqlc.arg(week)::text
WHERE a.id = ANY(sqlc.arg(ids)::bigint[])
ORDER BY array_position(sqlc.arg(ids)::bigint[], a.id);

-- name: PulseFinishedSlots :many
-- Per-CSM pulse claims (job names "pulse:<csm id>", "pulse-reminder:<csm id>")
-- already done for these weeks, so a tick skips them without claiming.
SELECT name, slot FROM job_run
WHERE slot = ANY(sqlc.arg(weeks)::text[]) AND name LIKE 'pulse%' AND finished_at IS NOT NULL;

-- name: PulseSentMessages :many
-- What was sent per CSM, week and kind: pages and when the first went out.
SELECT csm_id, week, kind, count(*)::int AS pages, min(sent_at)::timestamptz AS first_sent
FROM pulse_message
WHERE week = ANY(sqlc.arg(weeks)::text[])
GROUP BY csm_id, week, kind;

-- name: SavePulseMessage :exec
INSERT INTO pulse_message (csm_id, week, kind, page, channel_id, ts, account_ids, sent_at)
VALUES (sqlc.arg(csm_id), sqlc.arg(week), sqlc.arg(kind), sqlc.arg(page), sqlc.arg(channel_id), sqlc.arg(ts),
        sqlc.arg(account_ids)::bigint[], sqlc.arg(sent_at))
ON CONFLICT (csm_id, week, kind, page) DO UPDATE SET
    channel_id = EXCLUDED.channel_id, ts = EXCLUDED.ts, account_ids = EXCLUDED.account_ids, sent_at = EXCLUDED.sent_at;

-- name: PulseMessageAt :one
SELECT * FROM pulse_message WHERE channel_id = sqlc.arg(channel_id) AND ts = sqlc.arg(ts);

-- name: PulseMessagesOf :many
-- Every message of one CSM's week, check-in pages first.
SELECT * FROM pulse_message
WHERE csm_id = sqlc.arg(csm_id) AND week = sqlc.arg(week)
ORDER BY kind, page;

-- name: RecordPulseRating :one
-- A rating button: sets the week's rating and keeps reasons and note given
-- earlier in the week (one row per account and week).
INSERT INTO pulse (account_id, csm_id, rating, week, answered_at, source)
VALUES (sqlc.arg(account_id), sqlc.narg(csm_id), sqlc.arg(rating), sqlc.arg(week), sqlc.arg(answered_at), sqlc.arg(source))
ON CONFLICT (account_id, week) DO UPDATE SET
    csm_id = EXCLUDED.csm_id, rating = EXCLUDED.rating, answered_at = EXCLUDED.answered_at, source = EXCLUDED.source
RETURNING id;

-- name: PulseCompletion :many
-- Per active CSM with live accounts: how many have a pulse for the week,
-- and the names of those that have none (least complete first).
SELECT c.id, c.slack_user_id, c.email, c.name,
       count(*)::int AS total, count(p.id)::int AS answered,
       COALESCE(array_agg(a.name ORDER BY a.name) FILTER (WHERE p.id IS NULL), '{}')::text[] AS missing
FROM account a
JOIN csm c ON c.id = a.owner_id AND c.active
LEFT JOIN pulse p ON p.account_id = a.id AND p.week = sqlc.arg(week)::text
WHERE a.churned_at IS NULL
GROUP BY c.id
ORDER BY count(p.id)::float8 / count(*), c.name, c.id;
