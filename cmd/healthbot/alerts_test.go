package main

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
)

func TestParseConfigAlertRoutes(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(map[string]string{"HEALTHBOT_ALERT_ROUTES": "expansion=dm,late_invoice=channel"}))
	require.NoError(t, err)
	require.Equal(t, alerts.RouteDM, cfg.AlertRoutes.For(scoring.AlertExpansion))
	require.Equal(t, alerts.RouteBoth, cfg.AlertRoutes.For(scoring.AlertTurnedRed))

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_ALERT_ROUTES": "expansion=pigeon"}))
	require.ErrorContains(t, err, `HEALTHBOT_ALERT_ROUTES "expansion=pigeon": route "pigeon"`)

	require.Equal(t, "summary", cfg.AlertFirstRun, "the default")
	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_ALERT_FIRST_RUN": "flood"}))
	require.ErrorContains(t, err, `HEALTHBOT_ALERT_FIRST_RUN is "flood"; want one of summary, post`)
}

func TestScoreWithAlerts(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 12, days: 60})
	asOf := p.asOf.Format("2006-01-02")

	code, _, errOut := p.run(t, nil, "score", "--as-of", asOf, "--alerts", "--dry-run")
	require.Equal(t, 2, code, "usage error")
	require.Contains(t, errOut, "--alerts acts on stored scores")

	// Here the first run posts every alert (the default, a quiet first
	// run, is TestScoreWithAlertsFirstRunIsQuiet).
	post := map[string]string{"HEALTHBOT_ALERT_FIRST_RUN": "post"}
	code, stdout, errOut := p.run(t, post, "score", "--as-of", asOf, "--alerts")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `Alerts for 2026-03-31: [1-9]\d* fired, 0 resolved, 0 re-opened \(12 live accounts\)\.`, stdout)
	require.Contains(t, stdout, "Not posted: SLACK_BOT_TOKEN is not set")

	fake := bottest.NewSlack(t, nil)
	code, stdout, errOut = p.run(t, map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake.APIURL(), "HEALTHBOT_ALERT_CHANNEL": "C_ALERTS",
		"HEALTHBOT_ALERT_FIRST_RUN": "post",
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

func TestScoreWithAlertsFirstRunIsQuiet(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 12, days: 60})
	fake := bottest.NewSlack(t, nil)
	slackEnv := map[string]string{
		"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake.APIURL(), "HEALTHBOT_ALERT_CHANNEL": "C_ALERTS",
	}
	code, stdout, errOut := p.run(t, slackEnv, "score", "--as-of", p.asOf.Format("2006-01-02"), "--alerts")
	require.Equal(t, 0, code, errOut)
	m := regexp.MustCompile(`Alerts for 2026-03-31: ([1-9]\d*) fired`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	require.Contains(t, stdout, "First alert run on this portfolio: the "+m[1]+" alerts that hold already are recorded without a message each")
	require.Contains(t, stdout, "Slack: 1 messages posted, 0 updated.")
	posts := fake.Calls("chat.postMessage")
	require.Len(t, posts, 1, "one summary, not one message per alert")
	require.Equal(t, "healthbot is now watching 12 accounts: "+m[1]+" alert conditions already hold (recorded, not posted one by one).",
		posts[0].Param("text"))

	code, stdout, errOut = p.run(t, slackEnv, "score", "--as-of", p.asOf.Format("2006-01-02"), "--alerts")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, stdout, "Alerts for 2026-03-31: 0 fired")
	require.Len(t, fake.Calls("chat.postMessage"), 1, "the recorded alerts are not posted later either")
}
