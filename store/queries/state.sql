-- The current-state table (migration 0160): one row per account, read by
-- lists, App Home, the digest and the question tools.

-- name: RefreshAccountState :exec
-- Recomputes the score columns of the given accounts (all when ids is NULL)
-- from their newest score: the scores short_days and long_days before it by
-- scoring.ScoreAt's definition (the newest scored point on or before the day
-- and fewer than max_age_days before it; the caller passes scoring's
-- constants), and the first day of the current band's run.
-- written_from is the earliest day the caller just wrote (NULL: unknown).
-- When it lies after an account's stored state, the rows the stored
-- band_since was computed from are unchanged, so the search for the last
-- day of another band only reads the rows after the stored newest day
-- instead of walking back through the whole history.
INSERT INTO account_state AS st (account_id, as_of, score, band, score_7d, band_7d, score_28d, band_since)
SELECT a.id, n.as_of, n.score, n.band, p7.score, coalesce(p7.band, ''), p28.score,
       CASE WHEN lastdiff.day IS NULL AND inc.ok THEN o.band_since ELSE bs.since END
FROM account a
JOIN LATERAL (
    SELECT s.as_of, s.score, s.band FROM score s WHERE s.account_id = a.id ORDER BY s.as_of DESC LIMIT 1
) n ON true
LEFT JOIN account_state o ON o.account_id = a.id
CROSS JOIN LATERAL (
    SELECT coalesce(o.as_of IS NOT NULL AND o.band_since IS NOT NULL AND o.band <> ''
                    AND sqlc.narg(written_from)::date > o.as_of, false) AS ok
) inc
LEFT JOIN LATERAL (
    SELECT s.score, s.band FROM score s
    WHERE s.account_id = a.id AND s.band <> 'none'
      AND s.as_of <= n.as_of - sqlc.arg(short_days)::int
      AND s.as_of > n.as_of - sqlc.arg(short_days)::int - sqlc.arg(max_age_days)::int
    ORDER BY s.as_of DESC LIMIT 1
) p7 ON true
LEFT JOIN LATERAL (
    SELECT s.score FROM score s
    WHERE s.account_id = a.id AND s.band <> 'none'
      AND s.as_of <= n.as_of - sqlc.arg(long_days)::int
      AND s.as_of > n.as_of - sqlc.arg(long_days)::int - sqlc.arg(max_age_days)::int
    ORDER BY s.as_of DESC LIMIT 1
) p28 ON true
CROSS JOIN LATERAL (
    SELECT coalesce(
        (SELECT max(x.as_of) FROM score x
         WHERE x.account_id = a.id AND x.band <> n.band
           AND x.as_of > CASE WHEN inc.ok THEN o.as_of ELSE '-infinity'::date END),
        CASE WHEN inc.ok AND o.band <> n.band THEN o.as_of END) AS day
) lastdiff
CROSS JOIN LATERAL (
    SELECT min(s.as_of)::date AS since FROM score s
    WHERE s.account_id = a.id AND s.as_of > coalesce(lastdiff.day, '-infinity'::date)
) bs
WHERE sqlc.narg(ids)::bigint[] IS NULL OR a.id = ANY(sqlc.narg(ids)::bigint[])
ON CONFLICT (account_id) DO UPDATE
SET as_of = EXCLUDED.as_of, score = EXCLUDED.score, band = EXCLUDED.band,
    score_7d = EXCLUDED.score_7d, band_7d = EXCLUDED.band_7d, score_28d = EXCLUDED.score_28d,
    band_since = EXCLUDED.band_since;

-- name: AccountStates :many
-- The state rows of the given accounts (all when ids is NULL), for tests and tools.
SELECT account_id, as_of, score, band, score_7d, band_7d, score_28d, band_since,
       pulse_week, pulse_rating, pulse_answered_at, open_alerts
FROM account_state
WHERE sqlc.narg(ids)::bigint[] IS NULL OR account_id = ANY(sqlc.narg(ids)::bigint[])
ORDER BY account_id;

-- name: DeleteBandDays :exec
-- Clears the band counts of the given days (all when days is NULL) before RefreshBandDays.
DELETE FROM score_band_day
WHERE sqlc.narg(days)::date[] IS NULL OR as_of = ANY(sqlc.narg(days)::date[]);

-- name: RefreshBandDays :exec
-- Counts the accounts per band on the given days (all when days is NULL).
INSERT INTO score_band_day (as_of, band, accounts)
SELECT as_of, band, count(*)::int FROM score
WHERE sqlc.narg(days)::date[] IS NULL OR as_of = ANY(sqlc.narg(days)::date[])
GROUP BY as_of, band;

-- name: BandHistory :many
-- The band distribution at each weekly mark from one day to another: the
-- counts of the newest scored day on or before the mark and fewer than
-- max_age_days before it (scoring.ScoreAtMaxAgeDays).
SELECT m.mark::date AS mark, b.band, b.accounts
FROM generate_series(sqlc.arg(from_date)::date, sqlc.arg(to_date)::date, interval '7 days') AS m(mark)
JOIN LATERAL (
    SELECT max(d.as_of) AS day FROM score_band_day d
    WHERE d.as_of <= m.mark::date AND d.as_of > m.mark::date - sqlc.arg(max_age_days)::int
) n ON true
JOIN score_band_day b ON b.as_of = n.day
ORDER BY 1, 2;

-- name: DigestStates :many
-- Every account's current state for the digest: the newest score, the ones
-- ShortDeltaDays and LongDeltaDays before it, and the newest pulse.
SELECT account_id, as_of, score, band, score_7d, band_7d, score_28d,
       pulse_week, pulse_rating, pulse_answered_at
FROM account_state
ORDER BY account_id;

-- name: ScoresInWindow :many
-- The scores of the given accounts in (on_date − days, on_date], oldest
-- first: the history behind a state as of a day before the current one.
SELECT account_id, as_of, score, band FROM score
WHERE account_id = ANY(sqlc.arg(ids)::bigint[])
  AND as_of <= sqlc.arg(on_date)::date AND as_of > sqlc.arg(on_date)::date - sqlc.arg(days)::int
ORDER BY account_id, as_of;
