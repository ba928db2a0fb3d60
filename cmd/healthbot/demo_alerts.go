package main

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// demoAlertsShown is how many of the week's new alerts the demo prints in
// full; the rest are counted per rule.
const demoAlertsShown = 3

// demoAlertWeeks is how many weekly alert runs the demo makes after the
// first (quiet) one, so the alert-DM budget has weeks to show.
const demoAlertWeeks = 4

// demoAlertChannel is the alert channel of the demo's rehearsal.
const demoAlertChannel = "C0DEMOALERTS"

// alerts is the demo's alert section: the alert rules run four weeks
// before the last day (the first run: what already holds is recorded and
// summed up in one message), then on each week's scores up to the last
// day, posting to a recording Slack with the weekly alert-DM budget; the
// last run's new alerts are shown as the alert channel would, then the
// alert statistics and the DMs per CSM and week. The message references
// are cleared afterwards, so a bot started on the demo posts the alerts
// for real.
func (r demoReport) alerts(ctx context.Context) error {
	ww := &wrapWriter{w: r.w, width: reportWidth}
	defer ww.Close()
	r.w = ww
	last := r.asOf.AddDate(0, 0, -1)
	first := last.AddDate(0, 0, -7*demoAlertWeeks)
	now := app.ScoreTime(first)
	rec := &recordingSlack{}
	a := alerts.New(alerts.Config{Store: r.st, Slack: rec, Channel: demoAlertChannel, Budget: alerts.DefaultAlertBudget,
		Now: func() time.Time { return now }})
	r.heading("Alerts")
	base, err := a.EvaluateAndPostAlerts(ctx, first)
	if err != nil {
		return err
	}
	fmt.Fprintf(r.w, "  The first run (%s), %d weeks before the scores above, found %d conditions already true on the %d accounts live that day; the alert channel gets one message:\n\n",
		first.Format(time.DateOnly), demoAlertWeeks, base.Quiet, base.Baseline.Accounts)
	if err := r.render(blocks.AlertBaselineBlocks(base.Baseline)); err != nil {
		return err
	}
	var week alerts.AlertRunSummary
	fired, channelPosts, summaries := 0, 0, 0
	for day := first.AddDate(0, 0, 7); !day.After(last); day = day.AddDate(0, 0, 7) {
		now = app.ScoreTime(day)
		before := rec.postsTo(demoAlertChannel)
		if week, err = a.EvaluateAndPostAlerts(ctx, day); err != nil {
			return err
		}
		fired += week.Fired
		channelPosts += rec.postsTo(demoAlertChannel) - before
		summaries += week.Summaries
	}
	fresh, err := r.st.AlertsFiredSince(ctx, app.ScoreTime(last))
	if err != nil {
		return err
	}
	fmt.Fprintf(r.w, "\n  The weekly runs after it raised %d alerts, each posted in the alert channel (%d posts); the run of %s raised %d and resolved %d.",
		fired, channelPosts, last.Format(time.DateOnly), week.Fired, week.Resolved)
	if len(fresh) == 0 {
		fmt.Fprintln(r.w)
	} else if err := r.freshAlerts(ctx, a, last, fresh); err != nil {
		return err
	}
	if err := r.alertStats(ctx, app.ScoreTime(first), summaries); err != nil {
		return err
	}
	return r.st.ClearAlertMessages(ctx)
}

// alertStats prints `healthbot alerts stats` over the demo's runs.
func (r demoReport) alertStats(ctx context.Context, since time.Time, summaries int) error {
	stats, err := r.st.AlertStats(ctx, since.Add(time.Microsecond), app.ScoreTime(r.asOf))
	if err != nil {
		return err
	}
	dms, err := r.st.AlertDeliveryCounts(ctx, time.Time{})
	if err != nil {
		return err
	}
	fmt.Fprintf(r.w, "\n  Alert statistics (healthbot alerts stats); %d daily summary DMs carried what the budget held back:\n\n", summaries)
	ww := &wrapWriter{w: r.w, width: reportWidth, indent: "  "}
	if err := printAlertStats(ww, since, stats, dms, scoring.DefaultAlertRules(), alerts.DefaultAlertBudget); err != nil {
		return err
	}
	return ww.Close()
}

// freshAlerts prints the new alerts of the largest accounts as posted,
// and counts the others per rule.
func (r demoReport) freshAlerts(ctx context.Context, a *alerts.Alerts, day time.Time, recs []store.AlertRecord) error {
	accounts, err := r.st.Accounts(ctx)
	if err != nil {
		return err
	}
	scores, err := r.st.ScoresAt(ctx, day)
	if err != nil {
		return err
	}
	byID, scoreOf := scoring.AccountsByID(accounts), scoring.ScoresByAccount(scores)
	msgs := make([]blocks.AlertMessage, len(recs))
	for i, rec := range recs {
		msgs[i] = a.Message(rec, byID[rec.AccountID], scoreOf[rec.AccountID])
	}
	slices.SortStableFunc(msgs, func(x, y blocks.AlertMessage) int {
		return cmp.Or(cmp.Compare(y.Account.MRR, x.Account.MRR), cmp.Compare(x.ID, y.ID))
	})
	shown := min(len(msgs), demoAlertsShown)
	fmt.Fprintf(r.w, " Those of the %d largest accounts, as posted:\n", shown)
	for _, m := range msgs[:shown] {
		fmt.Fprintln(r.w)
		if err := r.render(blocks.AlertBlocks(m)); err != nil {
			return err
		}
	}
	if rest := msgs[shown:]; len(rest) > 0 {
		fmt.Fprintf(r.w, "\n  …and %d more: %s.\n", len(rest), kindCounts(rest))
	}
	return nil
}

// render prints blocks as the console shows them, indented.
func (r demoReport) render(bs []slack.Block) error {
	ww := &wrapWriter{w: r.w, width: reportWidth, indent: "  "}
	if _, err := console.RenderNamed(ww, bs, r.names); err != nil {
		return err
	}
	return ww.Close()
}

// kindCounts is "4 turned red, 2 score dropping", most first.
func kindCounts(msgs []blocks.AlertMessage) string {
	counts := map[scoring.AlertKind]int{}
	for _, m := range msgs {
		counts[m.Kind]++
	}
	kinds := make([]scoring.AlertKind, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(x, y scoring.AlertKind) int { return cmp.Or(counts[y]-counts[x], cmp.Compare(x, y)) })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], strings.ToLower(blocks.AlertTitle(k)))
	}
	return strings.Join(parts, ", ")
}
