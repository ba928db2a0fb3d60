package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

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
					asOfs[i] = endOfDay(first.AddDate(0, 0, i))
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

// backfillCards reads every generated signal with every feature kind, and
// the CSM pulse, so the scores depend on all of the backfill's windows.
const backfillCards = `
scorecards:
  - name: default
    custom_metrics:
      - {key: logins_sum, signal: logins, family: usage, label: Logins, unit: count, higher_is_better: true, feature: sum, window_days: 28, weight: 2}
      - {key: logins_gap, signal: logins, family: usage, label: Last login, unit: days, higher_is_better: false, feature: days_since, window_days: 30, weight: 1}
      - {key: tickets_mean, signal: tickets_open, family: engagement, label: Tickets, unit: count, higher_is_better: false, feature: mean, window_days: 7, weight: 1}
      - {key: tickets_latest, signal: tickets_open, family: engagement, label: Open tickets, unit: count, higher_is_better: false, feature: latest, weight: 1}
      - {key: seats_change, signal: seats_purchased, family: contract, label: Seats, unit: change, higher_is_better: true, feature: change, window_days: 28, weight: 2}
      - {key: seats_mean90, signal: seats_purchased, family: contract, label: Seats (90 days), unit: count, higher_is_better: true, feature: mean, window_days: 90, weight: 1}
`

// Scores computed from a backfill's one pass and written day by day are
// exactly the score rows the daily pass gives, on random data. (That the
// backfill use case writes what N daily scoring runs write is
// app.TestBackfillWritesWhatDailyRunsWrite.)
func TestBackfillWritesWhatDailyRunsWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tx := storetest.Tx(t)
	s := store.New(tx)
	rng := rand.New(rand.NewPCG(7, 0xbacf))
	propObservations(t, ctx, s, tx, rng)
	cards, err := scoring.ParseScorecards([]byte(backfillCards))
	require.NoError(t, err)
	accounts, err := s.Accounts(ctx)
	require.NoError(t, err)
	metrics := cards.Catalog().Metrics()
	first := propBase.AddDate(0, 0, -45)
	asOfs := make([]time.Time, 40)
	for i := range asOfs {
		asOfs[i] = endOfDay(first.AddDate(0, 0, i))
	}
	write := func(at time.Time, fs scoring.FeatureSet) error {
		_, err := s.UpsertScores(ctx, scoring.Compute(scoring.Input{AsOf: at, Accounts: accounts, Features: fs, Scorecards: cards}))
		return err
	}

	require.NoError(t, s.BackfillFeatures(ctx, asOfs, metrics, func(i int, fs scoring.FeatureSet) error { return write(asOfs[i], fs) }))
	backfilled := backfillScoreRows(t, ctx, tx)

	_, err = tx.Exec(ctx, "DELETE FROM score")
	require.NoError(t, err)
	for _, at := range asOfs {
		fs, err := s.Features(ctx, at, metrics)
		require.NoError(t, err)
		require.NoError(t, write(at, fs))
	}
	daily := backfillScoreRows(t, ctx, tx)
	require.Len(t, daily, len(asOfs)*propAccounts)
	scored := 0
	for _, r := range daily {
		if strings.Contains(r, "|t|") {
			scored++
		}
	}
	require.Greater(t, scored, len(daily)/4, "too few rows with a score to compare")
	require.Equal(t, daily, backfilled)
}

// endOfDay is the last instant of day (UTC), the as-of a scoring run reads
// a day's features at.
func endOfDay(day time.Time) time.Time {
	return scoring.Day(day).AddDate(0, 0, 1).Add(-time.Microsecond)
}

// backfillScoreRows is every score row but its computed_at, as text, in order.
func backfillScoreRows(t *testing.T, ctx context.Context, tx interface {
	Query(context.Context, string, ...any) (pgx.Rows, error)
}) []string {
	t.Helper()
	rows, err := tx.Query(ctx, `SELECT concat_ws('|', account_id, as_of, scorecard, score, score IS NOT NULL, band, confidence,
		subscores::text, contributions::text, unscored::text) FROM score ORDER BY as_of, account_id`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}
