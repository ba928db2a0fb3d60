package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
)

func TestParseConfigAlertRoutes(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(map[string]string{"HEALTHBOT_ALERT_ROUTES": "expansion=dm,late_invoice=channel"}))
	require.NoError(t, err)
	require.Equal(t, bot.RouteDM, cfg.AlertRoutes.For(scoring.AlertExpansion))
	require.Equal(t, bot.RouteBoth, cfg.AlertRoutes.For(scoring.AlertTurnedRed))

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_ALERT_ROUTES": "expansion=pigeon"}))
	require.ErrorContains(t, err, `HEALTHBOT_ALERT_ROUTES "expansion=pigeon": route "pigeon"`)
}

func TestScoreWithAlerts(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 12, days: 60})
	asOf := p.asOf.Format("2006-01-02")

	code, _, errOut := p.run(t, nil, "score", "--as-of", asOf, "--alerts", "--dry-run")
	require.Equal(t, 2, code, "usage error")
	require.Contains(t, errOut, "--alerts acts on stored scores")

	code, stdout, errOut := p.run(t, nil, "score", "--as-of", asOf, "--alerts")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `Alerts for 2026-03-31: [1-9]\d* fired, 0 resolved, 0 re-opened \(12 live accounts\)\.`, stdout)
	require.Contains(t, stdout, "Not posted: SLACK_BOT_TOKEN is not set")

	fake := bottest.NewSlack(t, nil)
	code, stdout, errOut = p.run(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake.APIURL(), "HEALTHBOT_ALERT_CHANNEL": "C_ALERTS",
	}, "score", "--as-of", asOf, "--alerts")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Alerts for 2026-03-31: 0 fired", "the alerts stored by the run before are not fired again")
	posts := fake.Calls("chat.postMessage")
	require.NotEmpty(t, posts, "but they are posted now")
	for _, c := range posts {
		require.Equal(t, "C_ALERTS", c.Param("channel"), "the fixture's accounts have no owners: channel only")
	}
	require.Regexp(t, `Slack: \d+ messages posted, 0 updated\.`, stdout)
}
