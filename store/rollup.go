package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/healthbot/healthbot/scoring"
)

// Usage metric keys the rollup writes, as the scoring catalog reads them.
const (
	MetricActiveUsers        = "active_users"
	MetricActiveUserRatio    = scoring.MetricActiveUserRatio
	MetricDaysSinceAdminSeen = "days_since_admin_seen"
	MetricKeyFeatureAdoption = "key_feature_adoption"
	MetricSessionGapDays     = "session_gap_days"
	MetricDailyActiveUsers   = "daily_active_users"
	// EventMetricPrefix starts the signal key of a product event's daily
	// count: "event_" + the event name in lower_snake_case.
	EventMetricPrefix = "event_"
)

// RollupSource is the source of every signal the usage rollup writes.
const RollupSource = "rollup"

// RollupOptions says which as-of days to roll up and how.
//
// The signals of as-of day D are observed at D 00:00 UTC and summarise the
// events of the WindowDays whole days before D, [D-WindowDays, D): a rollup
// as of D knows nothing of D itself, like a score as of D. Activity means
// track, page and screen events (identify and group calls are often sent by
// server-side syncs, not by people using the product). A session is a day
// with activity (UTC). Besides the window metrics, each as-of day D gets
// the counts of the whole day before it: daily_active_users (every account
// rolled up, 0 included) and, per track event name, event_<name> (for
// every event the account sent in the window, 0 on days without it), which
// metric discovery reads as daily counts.
type RollupOptions struct {
	AsOf              time.Time // the last as-of day (its UTC date is used)
	Days              int       // as-of days ending at AsOf; 0 means 1
	WindowDays        int       // 0 means 28
	KeyFeatures       []string  // track event names (case-insensitive); none: no key_feature_adoption
	AdminLookbackDays int       // how far back to look for an admin; 0 means 365
}

func (o RollupOptions) withDefaults() RollupOptions {
	if o.Days <= 0 {
		o.Days = 1
	}
	if o.WindowDays <= 0 {
		o.WindowDays = 28
	}
	if o.AdminLookbackDays <= 0 {
		o.AdminLookbackDays = 365
	}
	return o
}

// RollupResult says what a rollup did.
type RollupResult struct {
	From, To   time.Time        // first and last as-of day
	Linked     int64            // memberships created from group calls that predate their account
	Attributed int64            // events given an account after they arrived
	Written    map[string]int64 // metric → signals inserted or changed
}

// RollupUsage turns product events into usage signals for every account
// with events, one per metric and as-of day, in set-based SQL and one
// transaction. Rerunning it rewrites nothing that did not change.
func (s *Store) RollupUsage(ctx context.Context, o RollupOptions) (RollupResult, error) {
	o = o.withDefaults()
	y, m, d := o.AsOf.UTC().Date()
	to := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	res := RollupResult{From: to.AddDate(0, 0, 1-o.Days), To: to, Written: map[string]int64{}}
	features := make([]string, 0, len(o.KeyFeatures))
	for _, f := range o.KeyFeatures {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			features = append(features, f)
		}
	}
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if res.Linked, res.Attributed, err = tx.attributeEvents(ctx); err != nil {
			return err
		}
		if err := tx.ensureMonths(ctx, "signal", monthsBetween(res.From, res.To)); err != nil {
			return err
		}
		args := pgx.NamedArgs{"from": res.From, "to": res.To, "window": o.WindowDays, "features": features, "lookback": o.AdminLookbackDays}
		for _, stmt := range rollupPrepare {
			if _, err := tx.db.Exec(ctx, stmt, args); err != nil {
				return fmt.Errorf("rollup: prepare: %w", err)
			}
		}
		for _, step := range rollupSteps(len(features) > 0) {
			if err := tx.rollupStep(ctx, step, args, res.Written); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

// attributeEvents links group calls that arrived before their account
// existed, then gives events without an account the account of their actor.
func (s *Store) attributeEvents(ctx context.Context) (linked, attributed int64, err error) {
	if err = s.db.QueryRow(ctx, linkPendingGroupsSQL, adminArgs()...).Scan(&linked); err != nil {
		return 0, 0, fmt.Errorf("link pending group calls: %w", err)
	}
	for _, q := range []string{attributeByGroupSQL, attributeByUserSQL} {
		tag, err := s.db.Exec(ctx, q)
		if err != nil {
			return 0, 0, fmt.Errorf("attribute events: %w", err)
		}
		attributed += tag.RowsAffected()
	}
	return linked, attributed, nil
}

const actorSQL = `coalesce(nullif(e.user_id, ''), e.anonymous_id)`

var linkPendingGroupsSQL = `
WITH pending AS (
    SELECT DISTINCT ON (a.id, ` + actorSQL + `) a.id AS account_id, ` + actorSQL + ` AS user_id, e.properties AS traits
    FROM event e JOIN account a ON a.external_id = e.group_id
    WHERE e.account_id IS NULL AND e.type = 'group' AND ` + actorSQL + ` <> ''
    ORDER BY a.id, ` + actorSQL + `, e.occurred_at DESC
), linked AS (
    INSERT INTO account_user (account_id, user_id, traits, is_admin, updated_at)
    SELECT p.account_id, p.user_id, p.traits, ` + isAdminSQL("coalesce(pu.traits, '{}') || p.traits", 1) + `, now()
    FROM pending p LEFT JOIN product_user pu ON pu.user_id = p.user_id
    ON CONFLICT (account_id, user_id) DO NOTHING
    RETURNING 1
)
SELECT count(*) FROM linked`

const attributeByGroupSQL = `
UPDATE event e SET account_id = a.id FROM account a
WHERE e.account_id IS NULL AND e.group_id <> '' AND a.external_id = e.group_id`

const attributeByUserSQL = `
UPDATE event e SET account_id = m.account_id
FROM (SELECT DISTINCT ON (user_id) user_id, account_id FROM account_user
      ORDER BY user_id, updated_at DESC, account_id) m
WHERE e.account_id IS NULL AND m.user_id = ` + actorSQL

// Rollup SQL parameters: @from first as-of day, @to last as-of day,
// @window window days, @features key features (lower case), @lookback admin
// look-back days.
var rollupPrepare = []string{
	`DROP TABLE IF EXISTS rollup_day, rollup_user_day, rollup_event_day, rollup_account`,
	`CREATE TEMP TABLE rollup_day (day date PRIMARY KEY, ts timestamptz NOT NULL) ON COMMIT DROP`,
	`INSERT INTO rollup_day
	 SELECT d::date, (d::date::timestamp AT TIME ZONE 'UTC') FROM generate_series(@from::date, @to::date, interval '1 day') d`,
	`CREATE TEMP TABLE rollup_user_day (account_id bigint, actor text, day date) ON COMMIT DROP`,
	`INSERT INTO rollup_user_day
	 SELECT DISTINCT e.account_id, ` + actorSQL + `, (e.occurred_at AT TIME ZONE 'UTC')::date
	 FROM event e
	 WHERE e.account_id IS NOT NULL AND e.type IN ('track', 'page', 'screen') AND ` + actorSQL + ` <> ''
	   AND e.occurred_at >= ((@from::date - greatest(@window::int, @lookback::int))::timestamp AT TIME ZONE 'UTC')
	   AND e.occurred_at < (@to::date::timestamp AT TIME ZONE 'UTC')`,
	`CREATE INDEX ON rollup_user_day (account_id, day)`,
	`CREATE TEMP TABLE rollup_event_day (account_id bigint, metric text, day date, n bigint) ON COMMIT DROP`,
	`INSERT INTO rollup_event_day
	 SELECT e.account_id, '` + EventMetricPrefix + `' || s.slug, (e.occurred_at AT TIME ZONE 'UTC')::date, count(*)
	 FROM event e CROSS JOIN LATERAL (SELECT trim(both '_' FROM regexp_replace(lower(e.name), '[^a-z0-9]+', '_', 'g')) AS slug) s
	 WHERE e.account_id IS NOT NULL AND e.type = 'track' AND s.slug <> ''
	   AND e.occurred_at >= ((@from::date - @window::int)::timestamp AT TIME ZONE 'UTC')
	   AND e.occurred_at < (@to::date::timestamp AT TIME ZONE 'UTC')
	 GROUP BY 1, 2, 3`,
	`CREATE INDEX ON rollup_event_day (account_id, day)`,
	// The accounts to roll up per as-of day: alive, and sending events by then.
	`CREATE TEMP TABLE rollup_account (id bigint, external_id text, seats int, day date, ts timestamptz) ON COMMIT DROP`,
	`INSERT INTO rollup_account
	 SELECT a.id, a.external_id, a.seats, d.day, d.ts
	 FROM account a CROSS JOIN rollup_day d
	 WHERE (a.churned_at IS NULL OR a.churned_at > d.day)
	   AND EXISTS (SELECT 1 FROM event e WHERE e.account_id = a.id AND e.occurred_at < d.ts)`,
	`ANALYZE rollup_user_day, rollup_event_day, rollup_account`,
}

// rollupStep is one metric statement; it yields (metric, written) rows.
type rollupStep struct {
	name string
	sql  string
}

func rollupSteps(withFeatures bool) []rollupStep {
	steps := []rollupStep{
		{name: "active users", sql: writeSignals(activeUsersSQL)},
		{name: "admin seen", sql: writeSignals(adminSeenSQL)},
		{name: "session gaps", sql: writeSignals(sessionGapSQL)},
		{name: "daily active users", sql: writeSignals(dailyActiveUsersSQL)},
		{name: "event counts", sql: writeSignals(eventCountsSQL)},
	}
	if withFeatures {
		steps = append(steps, rollupStep{name: "key features", sql: writeSignals(keyFeaturesSQL)})
	}
	return steps
}

func (s *Store) rollupStep(ctx context.Context, step rollupStep, args pgx.NamedArgs, written map[string]int64) error {
	rows, err := s.db.Query(ctx, step.sql, args)
	if err != nil {
		return fmt.Errorf("rollup %s: %w", step.name, err)
	}
	defer rows.Close()
	for rows.Next() {
		var metric string
		var n int64
		if err := rows.Scan(&metric, &n); err != nil {
			return err
		}
		written[metric] += n
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("rollup %s: %w", step.name, err)
	}
	return nil
}

// writeSignals upserts the rows of a metric query (columns account_id,
// account, metric, observed_at, value) as rollup signals keyed by
// (account, metric, observed_at, source), and counts the ones inserted or
// changed per metric. The caller makes the months' partitions first.
func writeSignals(query string) string { return writeSignalsFrom(query, RollupSource) }

// writeSignalsFrom is writeSignals for signals of another source.
func writeSignalsFrom(query, source string) string {
	return `
WITH computed AS (` + query + `),
written AS (
    INSERT INTO signal AS t (account_id, metric, observed_at, value, source)
    SELECT account_id, metric, observed_at, value, '` + source + `'::text FROM computed
    ON CONFLICT (account_id, metric, observed_at, source) DO UPDATE SET value = EXCLUDED.value
    WHERE t.value IS DISTINCT FROM EXCLUDED.value
    RETURNING metric
)
SELECT metric, count(*) FROM written GROUP BY metric`
}

// activeUsersSQL: distinct active users in the window, and their ratio to
// seats (accounts without seats get the count only).
const activeUsersSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, m.metric, ra.ts AS observed_at, m.value
FROM rollup_account ra
CROSS JOIN LATERAL (SELECT count(DISTINCT ud.actor) AS n FROM rollup_user_day ud
                    WHERE ud.account_id = ra.id AND ud.day >= ra.day - @window::int AND ud.day < ra.day) c
CROSS JOIN LATERAL (VALUES ('` + MetricActiveUsers + `', c.n::float8),
                           ('` + MetricActiveUserRatio + `', CASE WHEN ra.seats > 0 THEN c.n::float8 / ra.seats END)) m(metric, value)
WHERE m.value IS NOT NULL`

// adminSeenSQL: whole days since an admin of the account was last active,
// capped at the look-back; accounts with no known admin get none.
const adminSeenSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, '` + MetricDaysSinceAdminSeen + `' AS metric, ra.ts AS observed_at,
       least(coalesce((ra.day - last.day)::float8, @lookback::int), @lookback::int)::float8 AS value
FROM rollup_account ra
CROSS JOIN LATERAL (SELECT max(ud.day) AS day FROM rollup_user_day ud
                    JOIN account_user au ON au.account_id = ud.account_id AND au.user_id = ud.actor AND au.is_admin
                    WHERE ud.account_id = ra.id AND ud.day < ra.day AND ud.day >= ra.day - @lookback::int) last
WHERE EXISTS (SELECT 1 FROM account_user au WHERE au.account_id = ra.id AND au.is_admin)`

// sessionGapSQL: the median, over the account's users, of the days between
// one active day and the user's next in the window.
const sessionGapSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, '` + MetricSessionGapDays + `' AS metric, ra.ts AS observed_at, g.median AS value
FROM rollup_account ra
CROSS JOIN LATERAL (
    SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)::float8 AS median
    FROM (SELECT ud.day - lag(ud.day) OVER (PARTITION BY ud.actor ORDER BY ud.day) AS gap
          FROM rollup_user_day ud
          WHERE ud.account_id = ra.id AND ud.day >= ra.day - @window::int AND ud.day < ra.day) x
    WHERE gap IS NOT NULL
) g
WHERE g.median IS NOT NULL`

// keyFeaturesSQL: distinct key features used in the window ÷ key features.
const keyFeaturesSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, '` + MetricKeyFeatureAdoption + `' AS metric, ra.ts AS observed_at,
       (SELECT count(DISTINCT lower(e.name)) FROM event e
        WHERE e.account_id = ra.id AND e.type = 'track' AND lower(e.name) = ANY(@features::text[])
          AND e.occurred_at >= ra.ts - make_interval(days => @window::int) AND e.occurred_at < ra.ts
       )::float8 / cardinality(@features::text[]) AS value
FROM rollup_account ra`

// dailyActiveUsersSQL: distinct active users on the day before the as-of day.
const dailyActiveUsersSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, '` + MetricDailyActiveUsers + `' AS metric, ra.ts AS observed_at,
       (SELECT count(DISTINCT ud.actor) FROM rollup_user_day ud WHERE ud.account_id = ra.id AND ud.day = ra.day - 1)::float8 AS value
FROM rollup_account ra`

// eventCountsSQL: per track event name the account sent in the window, its
// count on the day before the as-of day (0 when none).
const eventCountsSQL = `
SELECT ra.id AS account_id, ra.external_id AS account, m.metric, ra.ts AS observed_at, coalesce(c.n, 0)::float8 AS value
FROM rollup_account ra
CROSS JOIN LATERAL (SELECT DISTINCT ed.metric FROM rollup_event_day ed
                    WHERE ed.account_id = ra.id AND ed.day >= ra.day - @window::int AND ed.day < ra.day) m
LEFT JOIN rollup_event_day c ON c.account_id = ra.id AND c.metric = m.metric AND c.day = ra.day - 1`
