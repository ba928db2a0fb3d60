package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// adminTraits are the trait sets the two paths of the admin rule must judge
// alike: case, the truthy spellings, numbers, and junk where a flag should be.
var adminTraits = []string{
	`{}`,
	`{"role": "admin"}`, `{"role": "Admin"}`, `{"role": "OWNER"}`, `{"role": "Administrator"}`,
	`{"role": "member"}`, `{"role": "admins"}`, `{"role": " admin"}`, `{"role": 1}`, `{"role": null}`,
	`{"is_admin": true}`, `{"is_admin": false}`, `{"is_admin": "TRUE"}`, `{"is_admin": "1"}`, `{"is_admin": 1}`,
	`{"is_admin": 1.0}`, `{"is_admin": 0}`, `{"is_admin": "no"}`, `{"is_admin": null}`,
	`{"isAdmin": "yes"}`, `{"isAdmin": "YES"}`, `{"isadmin": "yes"}`, `{"admin": "Yes"}`, `{"ADMIN": "true"}`,
	`{"role": {"name": "admin"}}`, `{"is_admin": ["true"]}`, `{"admin": {"true": true}}`, `{"is_admin": [1]}`,
	`{"role": "member", "admin": "1"}`, `{"role": "admin", "is_admin": false}`, `{"plan": "admin", "name": "yes"}`,
}

func decodeTraits(t *testing.T, raw string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(raw)))
	dec.UseNumber() // numbers as written, as jsonb keeps them
	var m map[string]any
	require.NoError(t, dec.Decode(&m))
	return m
}

// The admin rule is defined once, in scoring; the store's set-based SQL
// applies it with the rule's lists as parameters. Both must agree on every
// trait set, and some of each verdict must be in the table.
func TestAdminSQLAgreesWithScoring(t *testing.T) {
	t.Parallel()
	s := storetest.Store(t)
	ctx := context.Background()
	q := `SELECT ` + store.IsAdminSQL("$5::jsonb", 1)
	verdicts := map[bool]int{}
	for _, raw := range adminTraits {
		var sql bool
		require.NoError(t, s.DB().QueryRow(ctx, q, append(store.AdminArgs(), raw)...).Scan(&sql), raw)
		want := scoring.IsAdmin(decodeTraits(t, raw))
		require.Equal(t, want, sql, "traits %s: scoring says %v, SQL says %v", raw, want, sql)
		verdicts[want]++
	}
	require.Greater(t, verdicts[true], 5)
	require.Greater(t, verdicts[false], 5)
}

// Through the statements that store memberships: a group call's traits
// (upsert), then an identify call's (refresh) decide is_admin as
// scoring.IsAdmin does on the merged traits.
func TestSegmentMembershipsUseTheAdminRule(t *testing.T) {
	t.Parallel()
	s := storetest.Store(t)
	ctx := context.Background()
	_, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: "acme", Name: "Acme", Seats: 10})
	require.NoError(t, err)
	isAdmin := func(user string) bool {
		var v bool
		require.NoError(t, s.DB().QueryRow(ctx, `SELECT is_admin FROM account_user WHERE user_id = $1`, user).Scan(&v))
		return v
	}
	var links []store.GroupLink
	for i, raw := range adminTraits {
		links = append(links, store.GroupLink{UserID: fmt.Sprint("u", i), GroupID: "acme", Traits: []byte(raw)})
	}
	_, err = s.IngestSegment(ctx, store.SegmentBatch{Links: links})
	require.NoError(t, err)
	for i, raw := range adminTraits {
		require.Equal(t, scoring.IsAdmin(decodeTraits(t, raw)), isAdmin(fmt.Sprint("u", i)), "group traits %s", raw)
	}

	// The user's own traits now say otherwise; the membership's still win.
	var ids []store.UserTraits
	for i := range adminTraits {
		ids = append(ids, store.UserTraits{UserID: fmt.Sprint("u", i), Traits: []byte(`{"role": "owner"}`)})
	}
	_, err = s.IngestSegment(ctx, store.SegmentBatch{Identities: ids})
	require.NoError(t, err)
	for i, raw := range adminTraits {
		merged := decodeTraits(t, `{"role": "owner"}`)
		for k, v := range decodeTraits(t, raw) {
			merged[k] = v
		}
		require.Equal(t, scoring.IsAdmin(merged), isAdmin(fmt.Sprint("u", i)), "user role owner, group traits %s", raw)
	}
}

// Migration 0200 drops hb_is_admin, the schema's copy of the rule, and
// its Down brings it back.
func TestMigrationDropsTheAdminFunction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := storetest.Schema(t)
	exists := func() bool {
		var n int
		require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
			WHERE p.proname = 'hb_is_admin' AND n.nspname = current_schema()`).Scan(&n))
		return n > 0
	}
	require.False(t, exists())
	require.NoError(t, store.MigrateDownTo(ctx, pool, 190))
	require.True(t, exists())
	var yes bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT hb_is_admin('{"role": "Owner"}')`).Scan(&yes))
	require.True(t, yes)
	_, err := store.Migrate(ctx, pool)
	require.NoError(t, err)
	require.False(t, exists())
}
