package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

// TestDigestCommand: the demo ends with the Monday digest; `healthbot
// digest` prints it for any day and posts it with --post.
func TestDigestCommand(t *testing.T) {
	t.Parallel()
	p, out := demoPortfolio(t, "--accounts", "12", "--seed", "3", "--as-of", "2026-11-30")
	section := out[strings.Index(out, "The Monday digest"):]
	require.Contains(t, section, "Weekly health digest · 2026-W49")
	require.Contains(t, section, "Monday, Nov 30 2026 · scores of Nov 29 · ")
	require.Contains(t, section, "Accounts per band, last 8 weeks")
	require.Contains(t, section, "Pulse check-in 2026-W48")

	code, out, errOut := p.run(t, map[string]string{"HEALTHBOT_TIMEZONE": "America/New_York"}, "digest", "--as-of", "2026-11-23")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Weekly health digest · 2026-W48")
	require.Contains(t, out, "scores of Nov 22", "a week earlier, the weekly history's score of that Sunday")
	require.NotContains(t, out, "[chart]", "printed charts are sparklines")

	fake := bottest.NewSlack(t, nil)
	slackEnv := map[string]string{"SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake.APIURL(),
		"HEALTHBOT_DIGEST_CHANNEL": "C0DIGEST"}
	code, out, errOut = p.run(t, slackEnv, "digest", "--post", "--as-of", "2026-11-30")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Posted the digest of 2026-W49 to C0DIGEST")
	calls := fake.Calls("chat.postMessage")
	require.Len(t, calls, 1)
	require.Contains(t, calls[0].Param("blocks"), "data_visualization", "Slack gets the Block Kit chart")

	// --json: the same digest's figures for scripts.
	code, out, errOut = p.run(t, nil, "digest", "--as-of", "2026-11-30", "--json")
	require.Equal(t, 0, code, errOut)
	var dg struct {
		Week           string         `json:"week"`
		PulseWeek      string         `json:"pulse_week"`
		ScoresAsOf     string         `json:"scores_as_of"`
		ScoredAccounts int            `json:"scored_accounts"`
		NotEnoughData  int            `json:"not_enough_data"`
		Bands          map[string]int `json:"bands"`
		Down           []struct {
			Account struct{ Name string }
			Delta   float64 `json:"delta"`
		} `json:"down"`
		Renewals []any `json:"renewals_at_risk"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &dg), "stdout is one JSON object:\n%s", out)
	require.Equal(t, "2026-W49", dg.Week)
	require.Equal(t, "2026-W48", dg.PulseWeek)
	require.Equal(t, "2026-11-29", dg.ScoresAsOf)
	require.Positive(t, dg.ScoredAccounts)
	require.Equal(t, dg.ScoredAccounts, dg.Bands["green"]+dg.Bands["yellow"]+dg.Bands["red"], "scored accounts are the banded ones")
	require.Equal(t, dg.NotEnoughData, dg.Bands["none"])
	require.NotNil(t, dg.Renewals, "lists are [] rather than null")
	for _, m := range dg.Down {
		require.NotEmpty(t, m.Account.Name)
		require.Negative(t, m.Delta)
	}
	code, _, errOut = p.run(t, nil, "digest", "--post", "--json")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "exclude each other")

	code, _, errOut = p.run(t, nil, "digest", "--post")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "SLACK_BOT_TOKEN and HEALTHBOT_DIGEST_CHANNEL")
	code, _, errOut = p.run(t, nil, "digest", "--as-of", "Monday")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "not a date")
}
