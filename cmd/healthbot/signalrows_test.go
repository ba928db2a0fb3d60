package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
)

// ensureSignalMonths makes the monthly signal partitions for the times of
// rows (account_id, metric, observed_at, value, source) before a test COPYs
// them straight into signal, as every writer does before it writes.
func ensureSignalMonths(t *testing.T, pool *pgxpool.Pool, rows [][]any) {
	t.Helper()
	var from, to time.Time
	for _, r := range rows {
		at, ok := r[2].(time.Time)
		require.True(t, ok, "observed_at is the third column")
		if from.IsZero() || at.Before(from) {
			from = at
		}
		if at.After(to) {
			to = at
		}
	}
	if len(rows) > 0 {
		require.NoError(t, store.New(pool).EnsurePartitions(context.Background(), from, to))
	}
}
