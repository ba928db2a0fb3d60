package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// A backfill's one ordered pass must give, day by day, exactly the
// features the daily pass (Store.Features) gives for that day, on the
// property test's random data and catalogs: ties, zeros, negatives,
// signals sent daily, weekly, monthly or once, pulses, every feature kind.
func TestBackfillFeaturesEqualDailyFeatures(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			tx := storetest.Tx(t)
			s := store.New(tx)
			rng := rand.New(rand.NewPCG(seed, 0xbacf))
			obs, _ := propObservations(t, ctx, s, tx, rng)
			for round := range 4 {
				metrics := propCatalog(rng, round)
				first := propBase.AddDate(0, 0, rng.IntN(120)-90)
				asOfs := make([]time.Time, 10+rng.IntN(30))
				for i := range asOfs {
					asOfs[i] = bot.ScoreTime(first.AddDate(0, 0, i))
				}
				compared := 0
				err := s.BackfillFeatures(ctx, asOfs, metrics, func(i int, got scoring.FeatureSet) error {
					want, err := s.Features(ctx, asOfs[i], metrics)
					require.NoError(t, err)
					if diffs := featureDiffs(got, want, obs, asOfs[i]); len(diffs) > 0 {
						t.Fatalf("seed %d round %d, day %d of %d (%s), %d metrics: BackfillFeatures disagrees with Features (got = backfill, reference = daily):\n%s",
							seed, round, i+1, len(asOfs), asOfs[i].Format(time.DateOnly), len(metrics), strings.Join(diffs, "\n"))
					}
					for _, acct := range want {
						compared += len(acct)
					}
					return nil
				})
				require.NoError(t, err)
				require.Greater(t, compared, 100, "too few features compared")
			}
		})
	}
}
