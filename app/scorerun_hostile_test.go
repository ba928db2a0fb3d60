package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// Two accepted values of 1.7e308 for one account and metric (and a
// -1e308) failed the next scoring run with "value out of range: overflow",
// so no account was scored or alerted that day. Rows like these, stored
// before intake refused them, now cost only their own values: the run
// scores every account.
func TestScoringRunSurvivesOverflowingValuesOfOneAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Store(t)
	cards := scoring.DefaultScorecards()
	var signals []string
	for _, m := range cards.Catalog().Metrics() {
		if k := m.SignalKey(); k != store.PulseSignal {
			signals = append(signals, k)
		}
	}
	at := app.ScoreTime(scoreRunDay).AddDate(0, 0, -1)
	require.NoError(t, st.EnsurePartitions(ctx, at, at))
	n := 0
	insert := func(acc int64, metric string, v float64) {
		n++ // each its own source: two values at one time are two observations
		_, err := st.DB().Exec(ctx, `INSERT INTO signal (account_id, metric, observed_at, value, source)
			VALUES ($1, $2, $3, $4, $5)`, acc, metric, at, v, fmt.Sprint("test", n))
		require.NoError(t, err)
	}
	var ids []int64
	for i, name := range []string{"good-1", "bad", "good-2"} {
		id, err := st.UpsertAccount(ctx, scoring.Account{ExternalID: name, Name: name, Seats: 10})
		require.NoError(t, err)
		ids = append(ids, id)
		for _, sig := range signals {
			insert(id, sig, float64(5+i))
		}
	}
	for _, sig := range signals {
		insert(ids[1], sig, 1.7e308)
		insert(ids[1], sig, 1.7e308)
		insert(ids[1], sig, -1e308)
	}

	sum, err := app.RunScoring(ctx, st, cards, scoreRunDay)
	require.NoError(t, err)
	scored := map[int64]bool{}
	for _, s := range sum.Scores {
		scored[s.AccountID] = true
	}
	for _, id := range ids {
		require.True(t, scored[id], "account %d scored", id)
	}
}
