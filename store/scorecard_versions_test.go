package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestScorecardVersionLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	t0 := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)

	_, err := s.LatestApprovedScorecardVersion(ctx)
	require.ErrorIs(t, err, store.ErrNotFound, "nothing approved yet")

	imported, err := s.InsertScorecardVersion(ctx, store.NewScorecardVersion{YAML: "a", Source: "import a.yaml", Status: store.VersionApproved, DecidedBy: "cli:dana"}, t0)
	require.NoError(t, err)
	require.Equal(t, store.VersionApproved, imported.Status)
	require.True(t, imported.DecidedAt.Equal(t0))
	require.False(t, imported.HasAUC)

	first, err := s.InsertScorecardVersion(ctx, store.NewScorecardVersion{YAML: "b", Source: "calibrate (monthly)", Status: store.VersionProposed,
		AUCBefore: 0.71, AUCAfter: 0.78, HasAUC: true, Summary: "diff", Replaces: "import a.yaml"}, t0.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, store.VersionProposed, first.Status)
	require.True(t, first.DecidedAt.IsZero())
	require.NoError(t, s.SetScorecardVersionMessage(ctx, first.ID, "C_OPS", "1.2"))

	latest, err := s.LatestApprovedScorecardVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, imported.ID, latest.ID, "a proposal is not in force")

	// A newer proposal supersedes the one still waiting.
	second, err := s.InsertScorecardVersion(ctx, store.NewScorecardVersion{YAML: "c", Source: "calibrate (monthly)", Status: store.VersionProposed,
		AUCBefore: 0.71, AUCAfter: 0.80, HasAUC: true}, t0.AddDate(0, 1, 0))
	require.NoError(t, err)
	old, won, err := s.DecideScorecardVersion(ctx, first.ID, store.VersionApproved, "U_OPS", t0.AddDate(0, 1, 1))
	require.NoError(t, err)
	require.False(t, won, "a superseded proposal cannot be approved")
	require.Equal(t, store.VersionDismissed, old.Status)
	require.Contains(t, old.DecidedBy, "superseded")
	require.Equal(t, "C_OPS", old.ChannelID)
	require.Equal(t, "import a.yaml", old.Replaces)

	v, won, err := s.DecideScorecardVersion(ctx, second.ID, store.VersionApproved, "U_OPS", t0.AddDate(0, 1, 1))
	require.NoError(t, err)
	require.True(t, won)
	require.Equal(t, "U_OPS", v.DecidedBy)
	require.InDelta(t, 0.80, v.AUCAfter, 1e-9)
	again, won, err := s.DecideScorecardVersion(ctx, second.ID, store.VersionDismissed, "U_OTHER", t0.AddDate(0, 1, 2))
	require.NoError(t, err)
	require.False(t, won, "decided once")
	require.Equal(t, store.VersionApproved, again.Status)
	require.Equal(t, "U_OPS", again.DecidedBy)

	latest, err = s.LatestApprovedScorecardVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, second.ID, latest.ID)
	require.Equal(t, "c", latest.YAML)

	list, err := s.ScorecardVersions(ctx, 10)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, second.ID, list[0].ID, "newest first")

	_, _, err = s.DecideScorecardVersion(ctx, 999999, store.VersionApproved, "U", t0)
	require.ErrorIs(t, err, store.ErrNotFound)
	_, err = s.InsertScorecardVersion(ctx, store.NewScorecardVersion{YAML: "d", Source: "x", Status: store.VersionApproved}, t0)
	require.ErrorContains(t, err, "needs who approved it")
}

// TestScorecardVersionDecidedOnceConcurrently: two replicas clicking at the
// same moment decide a proposal once.
func TestScorecardVersionDecidedOnceConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := store.New(storetest.Schema(t))
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	p, err := s.InsertScorecardVersion(ctx, store.NewScorecardVersion{YAML: "x", Source: "calibrate", Status: store.VersionProposed}, now)
	require.NoError(t, err)
	var wg sync.WaitGroup
	wins := make([]bool, 8)
	for i := range wins {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status := store.VersionApproved
			if i%2 == 1 {
				status = store.VersionDismissed
			}
			_, won, err := s.DecideScorecardVersion(ctx, p.ID, status, "U", now)
			require.NoError(t, err)
			wins[i] = won
		}()
	}
	wg.Wait()
	n := 0
	for _, w := range wins {
		if w {
			n++
		}
	}
	require.Equal(t, 1, n)
}
