package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func morning(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t.Add(10 * time.Hour) // mid-morning UTC
}

// usageFixture is a month of product events for three accounts, sent the way
// the Segment intake stores them (u5's events arrive before its group call).
func usageFixture(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, a := range []scoring.Account{
		{ExternalID: "acme", Name: "Acme", Seats: 10},
		{ExternalID: "beta", Name: "Beta"},                                                                      // no seats: no ratio
		{ExternalID: "gamma", Name: "Gamma", Seats: 5},                                                          // no events: no usage signals
		{ExternalID: "delta", Name: "Delta", Seats: 5, ChurnedAt: time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC)}, // churned
	} {
		_, err := s.UpsertAccount(ctx, a)
		require.NoError(t, err)
	}
	n := 0
	ev := func(typ, user, name, group, when string) store.SegmentEvent {
		n++
		return store.SegmentEvent{MessageID: fmt.Sprint("m", n), Type: typ, UserID: user, Name: name, GroupID: group, OccurredAt: morning(when)}
	}
	send := func(b store.SegmentBatch) {
		_, err := s.IngestSegment(ctx, b)
		require.NoError(t, err)
	}
	send(store.SegmentBatch{
		Identities: []store.UserTraits{{UserID: "u1", Traits: []byte(`{"role": "admin"}`)}},
		Links: []store.GroupLink{{UserID: "u1", GroupID: "acme"}, {UserID: "u2", GroupID: "acme"}, {UserID: "u3", GroupID: "acme"},
			{UserID: "u4", GroupID: "acme"}, {UserID: "u9", GroupID: "beta"}, {UserID: "d1", GroupID: "delta"}},
	})
	send(store.SegmentBatch{Events: []store.SegmentEvent{
		ev("track", "u1", "Report Built", "", "2026-02-10"),
		ev("track", "u1", "Report Built", "", "2026-02-12"),
		ev("track", "u1", "Settings Saved", "", "2026-02-20"),
		ev("track", "u2", "Dashboard Viewed", "", "2026-02-05"),
		ev("track", "u2", "Dashboard Viewed", "", "2026-02-06"),
		ev("track", "u2", "Dashboard Viewed", "", "2026-02-09"),
		ev("page", "u2", "Home", "", "2026-02-09"),
		ev("track", "u3", "Export", "", "2026-01-20"), // before the window
		ev("track", "u3", "Export", "", "2026-03-02"), // on the as-of day: not yet known
		ev("identify", "u4", "", "", "2026-02-25"),    // not activity
		ev("track", "u5", "Invite Sent", "", "2026-02-28"),
		ev("track", "u9", "report built", "", "2026-02-27"),
		ev("track", "d1", "Report Built", "", "2026-02-10"),
	}})
	send(store.SegmentBatch{ // u5's group call comes last, for an account named by group id
		Links:  []store.GroupLink{{UserID: "u5", GroupID: "acme"}},
		Events: []store.SegmentEvent{ev("group", "u5", "", "acme", "2026-03-01")},
	})
}

func signalsAt(t *testing.T, s *store.Store, at time.Time) map[string]float64 {
	t.Helper()
	rows, err := s.DB().Query(context.Background(), `
		SELECT a.external_id || ' ' || sg.metric, sg.value FROM signal sg JOIN account a ON a.id = sg.account_id
		WHERE sg.observed_at = $1 AND sg.source = 'rollup'`, at)
	require.NoError(t, err)
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var k string
		var v float64
		require.NoError(t, rows.Scan(&k, &v))
		out[k] = v
	}
	require.NoError(t, rows.Err())
	return out
}

func TestRollupTurnsEventsIntoUsageSignals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	usageFixture(t, s)
	asOf := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

	res, err := s.RollupUsage(ctx, store.RollupOptions{AsOf: asOf.Add(15 * time.Hour), KeyFeatures: []string{"Report Built", "Export", "Invite Sent"}})
	require.NoError(t, err)
	require.Equal(t, int64(1), res.Attributed, "u5's track call, sent before its group call")

	got := signalsAt(t, s, asOf)
	want := map[string]float64{
		"acme active_users":          3,       // u1, u2, u5 (u3 only outside the window, u4 only identified)
		"acme active_user_ratio":     0.3,     // of 10 seats
		"acme days_since_admin_seen": 10,      // u1, last active 2026-02-20
		"acme session_gap_days":      2.5,     // gaps u1: 2, 8; u2: 1, 3
		"acme key_feature_adoption":  2.0 / 3, // Report Built (u1), Invite Sent (u5)
		"beta active_users":          1,       // no seats, no admin, one active day: no ratio, admin or gap
		"beta key_feature_adoption":  1.0 / 3, // names match case-insensitively
		// The day before the as-of day (03-01) had no activity: zeros for
		// every account rolled up and every event it sent in the window.
		"acme daily_active_users":     0,
		"beta daily_active_users":     0,
		"acme event_report_built":     0,
		"acme event_settings_saved":   0,
		"acme event_dashboard_viewed": 0,
		"acme event_invite_sent":      0,
		"beta event_report_built":     0, // "report built" and "Report Built" are one event
	}
	require.Len(t, got, len(want), "%v", got)
	for k, v := range want {
		require.InDelta(t, v, got[k], 1e-9, k)
	}
	require.Equal(t, map[string]int64{"active_users": 2, "active_user_ratio": 1, "days_since_admin_seen": 1,
		"session_gap_days": 1, "key_feature_adoption": 2, "daily_active_users": 2, "event_report_built": 2,
		"event_settings_saved": 1, "event_dashboard_viewed": 1, "event_invite_sent": 1}, res.Written)

	again, err := s.RollupUsage(ctx, store.RollupOptions{AsOf: asOf, KeyFeatures: []string{"Report Built", "Export", "Invite Sent"}})
	require.NoError(t, err)
	require.Empty(t, again.Written, "a rerun rewrites nothing")
	require.Equal(t, int64(0), again.Attributed)

	// Keyed as every signal is, by account, metric, time and source.
	var at time.Time
	var source string
	require.NoError(t, s.DB().QueryRow(ctx, `SELECT observed_at, source FROM signal sg JOIN account a ON a.id = sg.account_id
		WHERE a.external_id = 'acme' AND metric = 'active_user_ratio'`).Scan(&at, &source))
	require.Equal(t, asOf, at.UTC())
	require.Equal(t, store.RollupSource, source)

	// As of 02-11, the counts are those of 02-10.
	_, err = s.RollupUsage(ctx, store.RollupOptions{AsOf: time.Date(2026, 2, 11, 0, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	daily := map[string]float64{}
	for k, v := range signalsAt(t, s, time.Date(2026, 2, 11, 0, 0, 0, 0, time.UTC)) {
		if strings.Contains(k, " event_") || strings.Contains(k, " daily_") {
			daily[k] = v
		}
	}
	require.Equal(t, map[string]float64{"acme daily_active_users": 1, "acme event_report_built": 1, "acme event_dashboard_viewed": 0,
		"acme event_export":        0, // 01-20, inside the window
		"delta daily_active_users": 1, "delta event_report_built": 1}, daily)
}

func TestRollupBackfillsDaysAndLinksGroupsOfLateAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	// Events and a group call for an account that does not exist yet.
	_, err := s.IngestSegment(ctx, store.SegmentBatch{
		Links: []store.GroupLink{{UserID: "x1", GroupID: "late"}},
		Events: []store.SegmentEvent{
			{MessageID: "g", Type: "group", UserID: "x1", GroupID: "late", OccurredAt: morning("2026-02-01"), Properties: []byte(`{"is_admin": true}`)},
			{MessageID: "t1", Type: "track", UserID: "x1", Name: "A", OccurredAt: morning("2026-02-02")},
			{MessageID: "t2", Type: "track", UserID: "x1", Name: "A", OccurredAt: morning("2026-02-05")},
		},
	})
	require.NoError(t, err)
	_, err = s.UpsertAccount(ctx, scoring.Account{ExternalID: "late", Name: "Late", Seats: 2})
	require.NoError(t, err)

	res, err := s.RollupUsage(ctx, store.RollupOptions{AsOf: morning("2026-02-06"), Days: 3})
	require.NoError(t, err)
	require.Equal(t, int64(1), res.Linked)
	require.Equal(t, int64(3), res.Attributed)
	d := func(s string) time.Time { return morning(s).Truncate(24 * time.Hour) }
	require.Equal(t, map[string]float64{"late active_users": 1, "late active_user_ratio": 0.5, "late days_since_admin_seen": 2,
		"late daily_active_users": 0, "late event_a": 0}, signalsAt(t, s, d("2026-02-04")))
	require.Equal(t, map[string]float64{"late active_users": 1, "late active_user_ratio": 0.5, "late days_since_admin_seen": 1,
		"late session_gap_days": 3, "late daily_active_users": 1, "late event_a": 1}, signalsAt(t, s, d("2026-02-06")))
	require.Len(t, signalsAt(t, s, d("2026-02-05")), 5)
}
