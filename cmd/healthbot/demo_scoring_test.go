package main

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// checkDemoScoresCardsAndBacktest checks the scores, alerts, CSM week and
// digest the demo of demoArgs stored on p and reported (out); it runs in
// TestDemoOnAFreshDatabase.
func checkDemoScoresCardsAndBacktest(t *testing.T, p *scoringPortfolio, out string) {
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

	// Alerts: a quiet first run four weeks before the last day, then
	// weekly runs posted to a recording Slack under the DM budget, the
	// last run's new alerts as posted, and the alert statistics.
	alerts := out[strings.Index(out, "\nAlerts\n"):strings.Index(out, "The CSM's week")]
	var quiet, fired, fresh, posted, delivered int
	require.NoError(t, p.pool.QueryRow(context.Background(),
		`SELECT count(*) FILTER (WHERE quiet), count(*) FILTER (WHERE NOT quiet), count(*) FILTER (WHERE NOT quiet AND fired_at >= '2026-06-29'),
		        count(*) FILTER (WHERE message_ts <> '' OR dm_message_ts <> ''), (SELECT count(*) FROM alert_delivery) FROM alert`).
		Scan(&quiet, &fired, &fresh, &posted, &delivered))
	require.Positive(t, quiet)
	// The report wraps lines, so any space may be a line break.
	first := fmt.Sprintf(`The first run \(2026-06-01\), 4 weeks before the scores above, found %d conditions already true on the \d+ accounts live that day`, quiet)
	require.Regexp(t, strings.ReplaceAll(first, " ", `\s+`), alerts)
	require.Contains(t, alerts, "healthbot is now watching")
	weekly := fmt.Sprintf(`The weekly runs after it raised %d alerts, each posted in the alert channel (%d posts); the run of 2026-06-29 raised %d `, fired, fired, fresh)
	require.Regexp(t, strings.ReplaceAll(regexp.QuoteMeta(weekly), " ", `\s+`), alerts)
	require.Regexp(t, `Alert DMs per person and week \(budget 8 a week\): \d+ person-weeks, min \d+, median \d+, max [0-8],\s+over budget 0`, alerts)
	require.Regexp(t, `RULE +FIRED +ACKNOWLEDGED +MEDIAN TIME TO ACK +SNOOZED +NOT USEFUL`, alerts)
	require.Zero(t, posted, "the rehearsal's message references are cleared, so a bot on the demo posts them")
	require.Zero(t, delivered)

	// The CSM's week: the away CSM and their cover in the rehearsed
	// check-in, the mostly-green CSM flagged for managers and in the digest.
	week := out[strings.Index(out, "The CSM's week"):strings.Index(out, "The Monday digest")]
	require.Regexp(t, `Daniel Okafor is away until \w+ Jul 9 \(`+"`"+`/health away until 2026-07-09 cover @maya`+"`"+`\): no\s+check-in, no reminder`, week)
	require.Regexp(t, `Daniel Okafor +away: nothing sent`, week)
	require.Regexp(t, `Maya Chen +asked about \d+ accounts \(\d+ of them covered for an away CSM\)`, week)
	// On this small book Sofia's few accounts may not reach 30 % red (the
	// default 300-account demo flags her); her ratings are mostly green.
	m := regexp.MustCompile(`Sofia Rossi · pulse 2026-W26: \d+ of \d+ · \d+ answers: (\d+) % Healthy`).FindStringSubmatch(week)
	require.NotNil(t, m, week)
	healthy, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	require.GreaterOrEqual(t, healthy, 85)
	digest := out[strings.Index(out, "The Monday digest"):]
	require.Regexp(t, `🌴 Daniel Okafor · away until Jul 9 · \d+ accounts away, not unanswered`, digest)
	if fresh > 0 {
		require.Contains(t, alerts, "[2: Acknowledge] [3: Snooze 7 days] [Assign to… ▾]", "a new alert as the channel shows it")
	}
}

// The default demo (300 accounts, seed 1) shows the mostly-green CSM to
// managers: in /health team and one line in the digest.
func TestDefaultDemoFlagsTheMostlyGreenCSM(t *testing.T) {
	t.Parallel()
	_, out := demoPortfolio(t, "--as-of", "2026-11-30")
	week := out[strings.Index(out, "The CSM's week"):strings.Index(out, "The Monday digest")]
	require.Contains(t, week, "`/health team`, for managers (1 mostly green)")
	require.Regexp(t, `Sofia Rossi · pulse 2026-W48: [^🟩]*🟩 mostly green`, week)
	digest := out[strings.Index(out, "The Monday digest"):]
	require.Regexp(t, `🟩 Mostly-green pulses \(1\)\s+🟩 Sofia Rossi rates \d+ % of answers Healthy while the data puts \d+ % of their accounts\s+in red`, digest)
}
