package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAccessLogFiltersAndPrunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, r := range []store.AccessRecord{
		{At: t0, UserID: "U1", TeamID: "T1", Surface: "command", Allowed: true, AccountIDs: []int64{7}},
		{At: t0.Add(time.Hour), UserID: "U1", Surface: "action", Allowed: true, AccountIDs: []int64{7, 9}},
		{At: t0.Add(2 * time.Hour), UserID: "UGUEST", Surface: "command", Reason: "guest"},
		{At: t0.AddDate(0, 0, -100), UserID: "U1", Surface: "command", Allowed: true, AccountIDs: []int64{9}},
	} {
		require.NoError(t, s.RecordAccess(ctx, r))
	}
	all, err := s.AccessLog(ctx, store.AccessQuery{})
	require.NoError(t, err)
	require.Len(t, all, 4)
	require.Equal(t, "UGUEST", all[0].UserID, "newest first")
	require.False(t, all[0].Allowed)
	require.Equal(t, "guest", all[0].Reason)
	require.Equal(t, []int64{}, all[0].AccountIDs)

	nine, err := s.AccessLog(ctx, store.AccessQuery{AccountID: 9, Since: t0.AddDate(0, 0, -1)})
	require.NoError(t, err)
	require.Len(t, nine, 1)
	require.Equal(t, []int64{7, 9}, nine[0].AccountIDs)
	u1, err := s.AccessLog(ctx, store.AccessQuery{UserID: "U1", Limit: 2})
	require.NoError(t, err)
	require.Len(t, u1, 2)
	require.Equal(t, "action", u1[0].Surface)

	n, err := s.PruneAccessLog(ctx, t0.AddDate(0, 0, -90))
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	all, err = s.AccessLog(ctx, store.AccessQuery{})
	require.NoError(t, err)
	require.Len(t, all, 3)
}
