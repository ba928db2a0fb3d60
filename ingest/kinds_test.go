package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store/storetest"
)

func signalItem(metric string, value float64) map[string]any {
	return map[string]any{"account": "acme", "metric": metric, "observed_at": "2026-03-01", "value": value}
}

// A signal of a known kind is checked against its kind's range at intake:
// a ratio sent as a percentage, a negative count, an NPS of 150 get a 400
// naming the item, the kind and the range, and the batch writes nothing;
// a signal of unknown kind keeps the wide ±1e15.
func TestSignalValuesAreCheckedByTheirMetricKind(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	r := b.post("/v1/signals", map[string]any{"signals": []any{
		signalItem("active_user_ratio", 0.85),
		signalItem("active_user_ratio", 85),
		signalItem("support_tickets", -1),
		signalItem("nps", 150),
		signalItem("csat", 4.5),
		signalItem("pulse", 1.5),
		signalItem("logins", -5),
	}})
	require.Equal(t, http.StatusBadRequest, r.Status, r.Body)
	var got []string
	for _, it := range r.errorItems() {
		got = append(got, fmt.Sprint(it["index"], " ", it["field"], " ", it["why"]))
	}
	require.Equal(t, []string{
		"1 value must be between 0 and 1 for a ratio (active_user_ratio)",
		"2 value must be between 0 and 1000000000000000 for a count (support_tickets)",
		"3 value must be between -100 and 100 for an NPS (nps)",
		"5 value must be a whole number for a pulse rating (pulse)",
	}, got)
	require.Zero(t, b.count("SELECT count(*) FROM signal"))

	r = b.post("/v1/signals", map[string]any{"signals": []any{
		signalItem("active_user_ratio", 0.85), signalItem("csat", 4.5), signalItem("logins", -5), signalItem("days_to_renewal", -12),
	}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 4, b.count("SELECT count(*) FROM signal"))
}

// The kinds come from the config (serve: the scorecards in force), asked
// for each request; a failure to know them is our fault (500), not the
// sender's.
func TestSignalKindsComeFromTheScorecardsInForce(t *testing.T) {
	t.Parallel()
	kinds := valid.Kinds{"api_calls": valid.Count}
	var down atomic.Bool // the server reads it on its own goroutine
	b := setupOnClock(t, storetest.Store(t), ingest.Limits{}, func() time.Time { return fixedNow }, func(c *ingest.Config) {
		c.SignalKinds = func(context.Context) (valid.Kinds, error) {
			if down.Load() {
				return nil, errors.New("database is down")
			}
			return kinds, nil
		}
	})
	r := b.post("/v1/signals", map[string]any{"signals": []any{signalItem("api_calls", -3), signalItem("active_user_ratio", 85)}})
	require.Equal(t, http.StatusBadRequest, r.Status, r.Body)
	require.Len(t, r.errorItems(), 1, "only the declared kinds apply: %v", r.Body)
	require.Equal(t, "value must be between 0 and 1000000000000000 for a count (api_calls)",
		fmt.Sprint(r.errorItems()[0]["field"], " ", r.errorItems()[0]["why"]))

	down.Store(true)
	r = b.post("/v1/signals", map[string]any{"signals": []any{signalItem("api_calls", 3)}})
	require.Equal(t, http.StatusInternalServerError, r.Status, r.Body)
	require.Zero(t, b.count("SELECT count(*) FROM signal"))
}
