package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestDemoScoresShowsCardsAndBacktest(t *testing.T) {
	t.Parallel()
	p := &scoringPortfolio{url: storetest.SchemaURL(t)}
	var err error
	p.pool, err = store.Open(context.Background(), p.url)
	require.NoError(t, err)
	t.Cleanup(p.pool.Close)

	code, out, errOut := p.run(t, nil, "demo", "--accounts", "40", "--seed", "7", "--as-of", "2026-06-30")
	require.Equal(t, 0, code, errOut)

	section := out[strings.Index(out, "Health scores"):]
	require.Regexp(t, `Scored \d+ live accounts on 2026-06-29, with weekly history back to 2026-04-06`, section)
	require.Regexp(t, `(?m)^  green +\d+ +\d+\.\d%`, section)
	require.Regexp(t, `(?m)^  red +\d+ +\d+\.\d%`, section)
	require.Contains(t, section, "Card of the largest red account")
	require.Contains(t, section, "Card of the largest green account")
	require.Contains(t, section, "What pulls it down")
	require.Contains(t, section, "labels: AUC")
	require.Regexp(t, `The score (predicts churn|does not demonstrably predict churn|points the wrong way)|Cannot judge`, section)
	require.Contains(t, section, "What calibration would change (healthbot calibrate)")
	require.Regexp(t, `Held-out AUC 0\.\d\d .*→ 0\.\d\d|Nothing to change: `, section)

	var days, live int
	require.NoError(t, p.pool.QueryRow(context.Background(), "SELECT count(DISTINCT as_of) FROM score").Scan(&days))
	require.NoError(t, p.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM account WHERE churned_at IS NULL OR churned_at > '2026-06-29'").Scan(&live))
	require.Equal(t, demoHistoryWeeks+1, days, "weekly history plus the last day")
	require.Contains(t, section, fmt.Sprintf("Scored %d live accounts", live))

	// Alerts: a quiet first run a week before the last day, then that
	// week's new alerts as posted.
	alerts := out[strings.Index(out, "\nAlerts\n"):strings.Index(out, "The Monday digest")]
	var quiet, fresh int
	require.NoError(t, p.pool.QueryRow(context.Background(),
		"SELECT count(*) FILTER (WHERE quiet), count(*) FILTER (WHERE NOT quiet) FROM alert").Scan(&quiet, &fresh))
	require.Positive(t, quiet)
	// The report wraps lines, so any space may be a line break.
	first := fmt.Sprintf(`The first run \(2026-06-22\), a week before the scores above, found %d conditions already true on the \d+ accounts live that day`, quiet)
	require.Regexp(t, strings.ReplaceAll(first, " ", `\s+`), alerts)
	require.Contains(t, alerts, "healthbot is now watching")
	require.Regexp(t, fmt.Sprintf(`The run of 2026-06-29 raised %d new alerts`, fresh), alerts)
	if fresh > 0 {
		require.Contains(t, alerts, "[2: Acknowledge] [3: Snooze 7 days] [Assign to… ▾]", "a new alert as the channel shows it")
	}
}
