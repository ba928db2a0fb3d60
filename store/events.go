package store

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// SegmentEvent is one product event to store. Actor is UserID, or
// AnonymousID when there is none: the identity events are attributed by.
type SegmentEvent struct {
	MessageID   string
	Type        string // track, identify, group, page or screen
	UserID      string
	AnonymousID string
	Name        string // track event name, page or screen name
	GroupID     string // groupId of a group call, context.groupId otherwise
	OccurredAt  time.Time
	Properties  []byte // a JSON object: properties, or traits for identify and group
}

// Actor is the identity the event belongs to.
func (e SegmentEvent) Actor() string {
	if e.UserID != "" {
		return e.UserID
	}
	return e.AnonymousID
}

// UserTraits are the merged identify traits of one user in a batch.
type UserTraits struct {
	UserID string
	Traits []byte // a JSON object
}

// GroupLink says a user belongs to the account whose external id is GroupID.
type GroupLink struct {
	UserID  string
	GroupID string
	Traits  []byte // a JSON object: the group call's traits
}

// SegmentBatch is what one Segment request changes. Each user appears at
// most once in Identities and each (user, group) at most once in Links.
type SegmentBatch struct {
	Identities []UserTraits
	Links      []GroupLink
	Events     []SegmentEvent
}

// SegmentResult says what a batch did.
type SegmentResult struct {
	Stored        int64    // events new to the store (the rest were duplicates by message id)
	Attributed    int64    // of the stored events, those attributed to an account
	UnknownGroups []string // group ids with no account yet; linked by a later rollup once it exists
}

const upsertProductUsersSQL = `
INSERT INTO product_user (user_id, traits, updated_at)
SELECT u, t::jsonb, now() FROM unnest($1::text[], $2::text[]) AS x(u, t)
ON CONFLICT (user_id) DO UPDATE SET traits = product_user.traits || EXCLUDED.traits, updated_at = now()`

// isAdminSQL is scoring.AdminRule.IsAdmin over the jsonb expression
// traits, for set-based statements: the rule's lists arrive as the four
// parameters from $p on (adminArgs), so the rule is defined once, in
// scoring, and not in the schema. ->> reads a value as scoring's traitText
// does.
func isAdminSQL(traits string, p int) string {
	return fmt.Sprintf(`(coalesce(lower((%[1]s)->>$%[2]d::text) = ANY($%[3]d::text[]), false)
    OR EXISTS (SELECT 1 FROM unnest($%[4]d::text[]) AS admin_flag(key)
               WHERE lower((%[1]s)->>admin_flag.key) = ANY($%[5]d::text[])))`, traits, p, p+1, p+2, p+3)
}

// adminArgs are isAdminSQL's four parameters: the rule in force.
func adminArgs() []any {
	r := scoring.AdminTraits()
	return []any{r.RoleKey, r.Roles, r.FlagKeys, r.Truthy}
}

// refreshAdminsSQL re-derives is_admin for the memberships of users whose
// traits changed; a membership's own traits override the user's.
var refreshAdminsSQL = `
UPDATE account_user au SET is_admin = ` + isAdminSQL("pu.traits || au.traits", 2) + `, updated_at = now()
FROM product_user pu
WHERE pu.user_id = au.user_id AND au.user_id = ANY($1::text[])
  AND au.is_admin IS DISTINCT FROM ` + isAdminSQL("pu.traits || au.traits", 2)

var upsertMembershipsSQL = `
INSERT INTO account_user AS au (account_id, user_id, traits, is_admin, updated_at)
SELECT a.id, x.u, x.t::jsonb, ` + isAdminSQL("coalesce(pu.traits, '{}') || x.t::jsonb", 4) + `, now()
FROM unnest($1::text[], $2::text[], $3::text[]) AS x(u, g, t)
JOIN account a ON a.external_id = x.g
LEFT JOIN product_user pu ON pu.user_id = x.u
ON CONFLICT (account_id, user_id) DO UPDATE SET
    traits = au.traits || EXCLUDED.traits,
    is_admin = ` + isAdminSQL("coalesce((SELECT traits FROM product_user WHERE user_id = EXCLUDED.user_id), '{}') || au.traits || EXCLUDED.traits", 4) + `,
    updated_at = now()`

const unknownGroupsSQL = `
SELECT DISTINCT g FROM unnest($1::text[]) AS g
WHERE NOT EXISTS (SELECT 1 FROM account a WHERE a.external_id = g) ORDER BY g`

// insertEventsSQL stores events new by message id (within the partition of
// their time: a retried message carries the same id and time). An event is attributed
// to the account its group id names, else to the account its actor was
// last linked to by a group call.
const insertEventsSQL = `
WITH ins AS (
    INSERT INTO event (message_id, type, account_id, user_id, anonymous_id, name, group_id, occurred_at, properties)
    SELECT x.m, x.ty,
           coalesce(ga.id, (SELECT au.account_id FROM account_user au
                            WHERE au.user_id = coalesce(nullif(x.u, ''), x.an) AND coalesce(nullif(x.u, ''), x.an) <> ''
                            ORDER BY au.updated_at DESC, au.account_id LIMIT 1)),
           x.u, x.an, x.n, x.g, x.at, x.p::jsonb
    FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[], $8::text[])
         AS x(m, ty, u, an, n, g, at, p)
    LEFT JOIN account ga ON ga.external_id = x.g AND x.g <> ''
    ON CONFLICT (message_id, occurred_at) DO NOTHING
    RETURNING account_id
)
SELECT count(*), count(account_id) FROM ins`

// IngestSegment applies identify traits and group links, then stores the
// events, all in one transaction: links first, so a track call in the same
// batch as its user's group call already counts for the account.
func (s *Store) IngestSegment(ctx context.Context, b SegmentBatch) (SegmentResult, error) {
	var res SegmentResult
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.applyIdentities(ctx, b.Identities); err != nil {
			return err
		}
		unknown, err := tx.applyLinks(ctx, b.Links)
		if err != nil {
			return err
		}
		res.UnknownGroups = unknown
		res.Stored, res.Attributed, err = tx.insertEvents(ctx, b.Events)
		return err
	})
	return res, err
}

func (s *Store) applyIdentities(ctx context.Context, ids []UserTraits) error {
	if len(ids) == 0 {
		return nil
	}
	users, traits := make([]string, len(ids)), make([]string, len(ids))
	for i, u := range ids {
		users[i], traits[i] = u.UserID, jsonObject(u.Traits)
	}
	if _, err := s.db.Exec(ctx, upsertProductUsersSQL, users, traits); err != nil {
		return fmt.Errorf("store user traits: %w", err)
	}
	if _, err := s.db.Exec(ctx, refreshAdminsSQL, append([]any{users}, adminArgs()...)...); err != nil {
		return fmt.Errorf("refresh admins: %w", err)
	}
	return nil
}

func (s *Store) applyLinks(ctx context.Context, links []GroupLink) ([]string, error) {
	if len(links) == 0 {
		return nil, nil
	}
	users, groups, traits := make([]string, len(links)), make([]string, len(links)), make([]string, len(links))
	for i, l := range links {
		users[i], groups[i], traits[i] = l.UserID, l.GroupID, jsonObject(l.Traits)
	}
	if _, err := s.db.Exec(ctx, upsertMembershipsSQL, append([]any{users, groups, traits}, adminArgs()...)...); err != nil {
		return nil, fmt.Errorf("link users to accounts: %w", err)
	}
	rows, err := s.db.Query(ctx, unknownGroupsSQL, groups)
	if err != nil {
		return nil, fmt.Errorf("find unknown groups: %w", err)
	}
	defer rows.Close()
	var unknown []string
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return nil, err
		}
		unknown = append(unknown, g)
	}
	return unknown, rows.Err()
}

func (s *Store) insertEvents(ctx context.Context, evs []SegmentEvent) (stored, attributed int64, err error) {
	if len(evs) == 0 {
		return 0, 0, nil
	}
	months := monthsOf(func(yield func(time.Time) bool) {
		for i := range evs {
			if !yield(evs[i].OccurredAt) {
				return
			}
		}
	})
	if err := s.ensureMonths(ctx, "event", months); err != nil {
		return 0, 0, err
	}
	n := len(evs)
	m, ty, u, an, nm, g, p := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	at := make([]time.Time, n)
	for i, e := range evs {
		m[i], ty[i], u[i], an[i], nm[i], g[i], at[i], p[i] = e.MessageID, e.Type, e.UserID, e.AnonymousID, e.Name, e.GroupID, e.OccurredAt, jsonObject(e.Properties)
	}
	err = s.db.QueryRow(ctx, insertEventsSQL, m, ty, u, an, nm, g, at, p).Scan(&stored, &attributed)
	if err != nil {
		return 0, 0, fmt.Errorf("store %d events: %w", n, err)
	}
	return stored, attributed, nil
}

func jsonObject(b []byte) string {
	if len(b) == 0 || string(b) == "null" {
		return "{}"
	}
	return string(b)
}
