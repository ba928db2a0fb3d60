package main

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// scoreAlerts is `score --alerts`: the alert rules over the scores just
// written for day, as the scheduled run does after scoring. With
// SLACK_BOT_TOKEN set it posts; without, it stores the alerts and the bot
// posts them on its next run.
func scoreAlerts(ctx context.Context, e *env, st *store.Store, cards scoring.Scorecards, day time.Time) error {
	var api *slack.Client
	if e.cfg.SlackEnabled() {
		api = bot.NewSlackClient(bot.SlackConfig{BotToken: e.cfg.SlackBotToken, APIURL: e.cfg.SlackAPIURL}, e.log)
	}
	jobs := newAlerting(e.cfg, st, api, guardFor(api), cards, e.log.With("component", "alerts"), time.Now)
	sum, err := jobs.Alerts.EvaluateAndPostAlerts(ctx, day)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.out, "Alerts for %s: %d fired, %d resolved, %d re-opened (%d live accounts).\n",
		day.Format(time.DateOnly), sum.Fired, sum.Resolved, sum.Reopened, sum.Accounts)
	if sum.Quiet > 0 {
		fmt.Fprintf(e.out, "First alert run on this portfolio: the %d alerts that hold already are recorded without a message each"+
			" (HEALTHBOT_ALERT_FIRST_RUN=post posts them all); new alerts are posted from the next run on.\n", sum.Quiet)
	}
	switch {
	case api == nil && sum.Fired == sum.Quiet:
		fmt.Fprintln(e.out, "Nothing posted: SLACK_BOT_TOKEN is not set.")
	case api == nil:
		fmt.Fprintln(e.out, "Not posted: SLACK_BOT_TOKEN is not set; the bot posts pending alerts on its next run.")
	case sum.Failed > 0:
		fmt.Fprintf(e.out, "Slack: %d messages posted, %d updated, %d failed (see the log; failed posts are retried on the next run).\n", sum.Posted, sum.Updated, sum.Failed)
	default:
		fmt.Fprintf(e.out, "Slack: %d messages posted, %d updated.\n", sum.Posted, sum.Updated)
	}
	return nil
}
