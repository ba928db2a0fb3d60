package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/outcomes"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

const (
	alertSecret  = "alert-e2e-signing-secret-0123456789"
	alertChannel = "C_ALERTS"
)

// alertE2E is the bot's real HTTP transport, router and alert/outcome
// handlers over a committed schema, a fake Slack Web API and a
// response_url catcher, driven day by day on an injected clock.
type alertE2E struct {
	st       *store.Store
	fake     *bottest.Slack
	hooks    *bottest.Catcher
	router   *bot.Router
	base     string
	clock    *bottest.Clock
	alerts   *alerts.Alerts
	outcomes *outcomes.Outcomes
	d0       time.Time
	acct     map[string]scoring.Account
	csm      map[string]scoring.CSM

	mu     sync.Mutex
	sleeps []time.Duration // rate-limit waits the retrier was asked for
	mark   int             // Slack calls seen by earlier days
}

// limitFirstPosts answers the first n chat.postMessage calls with a 429.
func fakeReplies(limitFirstPosts int) bottest.ReplyFunc {
	var mu sync.Mutex
	posts := 0
	return func(c bottest.Call) *bottest.Reply {
		switch c.Method {
		case "users.lookupByEmail":
			if c.Param("email") == "eli@example.com" {
				return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{"id": "U_ELI", "name": "eli"}}}
			}
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "users_not_found"}}
		case "chat.postMessage":
			mu.Lock()
			defer mu.Unlock()
			posts++
			if posts <= limitFirstPosts {
				return &bottest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"1"}}, Body: map[string]any{"ok": false, "error": "ratelimited"}}
			}
		}
		return nil
	}
}

func setupAlerts(t *testing.T, limitFirstPosts int) *alertE2E {
	t.Helper()
	e := &alertE2E{
		st: store.New(storetest.Schema(t)), clock: &bottest.Clock{}, hooks: bottest.NewCatcher(t),
		d0: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), acct: map[string]scoring.Account{}, csm: map[string]scoring.CSM{},
	}
	e.clock.Set(e.d0.Add(6 * time.Hour))
	e.fake = bottest.NewSlack(t, fakeReplies(limitFirstPosts))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: e.fake.APIURL()}, log)
	e.router = bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(api, nil, nil, log)})
	retry := chat.RateLimitRetrier{Sleep: func(_ context.Context, d time.Duration) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.sleeps = append(e.sleeps, d)
		return nil
	}}
	routes, err := alerts.ParseAlertRoutes("admin_inactive=channel,pulse_poor=dm,expansion=dm")
	require.NoError(t, err)
	owners := bot.NewOwnerResolver(api, e.st, retry, log, e.clock.Now)
	e.alerts = alerts.New(alerts.Config{
		Store: e.st, Slack: api, Owners: owners, Channel: alertChannel, Routes: routes, Now: e.clock.Now, Logger: log, Retry: retry,
		PostFirstRun: true, // the week starts with alerts to click on (the quiet first run has its own test)
	})
	e.alerts.RegisterButtons(e.router, health.NewHealth(e.st, log, e.clock.Now))
	e.outcomes = outcomes.New(outcomes.Config{Store: e.st, Slack: api, Owners: owners, Now: e.clock.Now, Logger: log, Retry: retry})
	e.outcomes.RegisterButtons(e.router)

	mux := http.NewServeMux()
	bot.NewHTTPTransport(e.router, alertSecret, bot.HTTPOptions{Logger: log}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		if err := e.router.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	e.base = srv.URL
	return e
}

// seedPortfolio writes the accounts of the week and 20 days of steady
// scores before it.
func (e *alertE2E) seedPortfolio(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []struct{ key, email, slackID, name string }{
		{"dana", "dana@example.com", "U_DANA", "Dana"},
		{"eli", "eli@example.com", "", "Eli"}, // imported by email only: found with users.lookupByEmail
		{"fay", "fay@example.com", "U_FAY", "Fay"},
	} {
		id, err := e.st.EnsureCSM(ctx, c.email, c.slackID, c.name)
		require.NoError(t, err)
		e.csm[c.key] = scoring.CSM{ID: id, Email: c.email, SlackUserID: c.slackID, Name: c.name}
	}
	steady := map[string]float64{"Redwood": 44, "Birch": 80, "Cedar": 60, "Dogwood": 50, "Elm": 85, "Fir": 75}
	owners := map[string]string{"Redwood": "dana", "Birch": "eli", "Cedar": "dana", "Dogwood": "dana", "Elm": "fay", "Fir": "dana"}
	var scores []scoring.Score
	for name, v := range steady {
		a := scoring.Account{ExternalID: strings.ToLower(name), Name: name, Segment: "Mid", OwnerID: e.csm[owners[name]].ID, MRR: 1000}
		switch name {
		case "Elm":
			a.RenewalDate = e.d0.AddDate(0, 0, 2)
		case "Fir":
			a.Attributes = map[string]any{"modules": []any{"core"}}
		}
		id, err := e.st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		a.ID = id
		e.acct[name] = a
		for back := 1; back <= 20; back++ {
			scores = append(scores, score(id, e.d0.AddDate(0, 0, -back), v))
		}
	}
	_, err := e.st.UpsertScores(ctx, scores)
	require.NoError(t, err)
}

func score(accountID int64, day time.Time, v float64) scoring.Score {
	band := scoring.BandGreen
	switch {
	case v < 40:
		band = scoring.BandRed
	case v < 70:
		band = scoring.BandYellow
	}
	return scoring.Score{AccountID: accountID, AsOf: day, Scorecard: "default", Value: v, Band: band, Confidence: 0.9}
}

// weekScores are the scores of days 0–8 (absent: no score that day).
var weekScores = map[string][]float64{
	"Redwood": {44, 42, 38, 37, 41, 46, 47, 36, 36}, // red on day 2, back above 40+5 on day 5, red again on day 7
	"Birch":   {80, 62, 62, 62, 62, 62, 62, 62, 62}, // 18 points down in 14 days from day 1
	"Cedar":   {60, 60, 60, 60, 60, 60, 60, 60, 60},
	"Dogwood": {50, 50, 50}, // churns on day 3
	"Elm":     {85, 85, 85, 85, 85, 85, 85, 85, 85},
	"Fir":     {75, 75, 75, 75, 75, 75, 75, 75, 75},
}

// runDay sets the clock to 06:00 of day i, writes that day's scores, runs
// the alert job and the outcome job as the scheduler would, and returns
// the Slack calls made since the previous mark.
func (e *alertE2E) runDay(t *testing.T, i int, before func(day time.Time)) (alerts.AlertRunSummary, []bottest.Call) {
	t.Helper()
	ctx := context.Background()
	day := e.d0.AddDate(0, 0, i)
	e.clock.Set(day.Add(6 * time.Hour))
	if before != nil {
		before(day)
	}
	var scores []scoring.Score
	for name, vs := range weekScores {
		if i < len(vs) {
			scores = append(scores, score(e.acct[name].ID, day, vs[i]))
		}
	}
	_, err := e.st.UpsertScores(ctx, scores)
	require.NoError(t, err)
	sum, err := e.alerts.EvaluateAndPostAlerts(ctx, day)
	require.NoError(t, err)
	_, err = e.outcomes.AskOutcomes(ctx, e.clock.Now())
	require.NoError(t, err)
	return sum, e.newCalls()
}

// newCalls returns the Slack calls since the last mark and moves it.
func (e *alertE2E) newCalls() []bottest.Call {
	all := e.fake.Calls("")
	e.mu.Lock()
	defer e.mu.Unlock()
	out := all[e.mark:]
	e.mark = len(all)
	return out
}

func only(calls []bottest.Call, method string) []bottest.Call {
	var out []bottest.Call
	for _, c := range calls {
		if c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

func channels(calls []bottest.Call) []string {
	out := make([]string, len(calls))
	for i, c := range calls {
		out[i] = c.Param("channel")
	}
	return out
}

// alertOf is the one alert of an account and rule fired at or after since.
func (e *alertE2E) alertOf(t *testing.T, account string, kind scoring.AlertKind) store.AlertRecord {
	t.Helper()
	var id int64
	err := e.st.DB().QueryRow(context.Background(),
		`SELECT max(id) FROM alert WHERE account_id = $1 AND kind = $2`, e.acct[account].ID, string(kind)).Scan(&id)
	require.NoError(t, err)
	rec, err := e.st.Alert(context.Background(), id)
	require.NoError(t, err)
	return rec
}

// element finds the control actionID of alert or outcome id in the newest
// version of that message posted or updated on channel, with its block ID,
// as Slack would echo them in a click.
func (e *alertE2E) element(t *testing.T, channel, actionID string, id int64) (blockID string, el map[string]any) {
	t.Helper()
	sid := strconv.FormatInt(id, 10)
	for _, c := range e.fake.Calls("") {
		if c.Param("channel") != channel || (c.Method != "chat.postMessage" && c.Method != "chat.update") {
			continue
		}
		var bs []map[string]any
		if err := json.Unmarshal([]byte(c.Param("blocks")), &bs); err != nil {
			continue
		}
		for _, b := range bs {
			var els []any
			if acc, ok := b["accessory"]; ok {
				els = append(els, acc)
			}
			if list, ok := b["elements"].([]any); ok {
				els = append(els, list...)
			}
			bid, _ := b["block_id"].(string)
			for _, x := range els {
				m, ok := x.(map[string]any)
				if ok && m["action_id"] == actionID && (m["value"] == sid || strings.HasSuffix(bid, ":"+sid)) {
					blockID, el = bid, m
				}
			}
		}
	}
	require.NotNil(t, el, "no %s control for %d in %s", actionID, id, channel)
	return blockID, el
}

// click sends a block_actions payload for control actionID of alert or
// outcome id, as found in the message channel/ts, through the signed HTTP
// transport, and waits for the handler. selected is the user (or option)
// picked in a menu.
func (e *alertE2E) click(t *testing.T, user, channel, ts, actionID string, id int64, selected, hook string) {
	t.Helper()
	blockID, el := e.element(t, channel, actionID, id)
	value, _ := el["value"].(string)
	typ, _ := el["type"].(string)
	ba := &slack.BlockAction{ActionID: actionID, BlockID: blockID, Value: value, Type: slack.ActionType(typ)}
	switch typ {
	case "users_select":
		ba.SelectedUser = selected
	case "static_select":
		ba.SelectedOption = slack.OptionBlockObject{Value: selected}
	}
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user, Name: strings.ToLower(user), TeamID: "T1"},
		Team: slack.Team{ID: "T1"}, Container: slack.Container{Type: "message", ChannelID: channel, MessageTs: ts},
		ResponseURL: e.hooks.URL(hook), TriggerID: "trigger-" + hook,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{ba}},
	}
	e.interact(t, cb)
}

func (e *alertE2E) interact(t *testing.T, cb slack.InteractionCallback) {
	t.Helper()
	body := bottest.InteractionBody(t, cb)
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, e.base+"/slack/interactivity", alertSecret, time.Now(), bottest.FormContent, body))
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, e.router.Idle(ctx))
}

// updatesOf are the chat.update calls among calls, keyed by channel.
func updatesOf(calls []bottest.Call) map[string]string {
	out := map[string]string{}
	for _, c := range only(calls, "chat.update") {
		out[c.Param("channel")] = c.Param("blocks")
	}
	return out
}

func TestAlertWeek(t *testing.T) {
	t.Parallel()
	e := setupAlerts(t, 1)
	e.seedPortfolio(t)
	ctx := context.Background()
	signal := func(name, metric string, at time.Time, v float64) {
		_, err := e.st.IntakeSignals(ctx, []store.IntakeSignal{{AccountID: e.acct[name].ID, Metric: metric, ObservedAt: at, Value: v}})
		require.NoError(t, err)
	}

	// Day 0: Dogwood's admin has not been seen for 40 days: channel only
	// (admin_inactive=channel). The first post is rate limited and retried.
	sum, calls := e.runDay(t, 0, func(day time.Time) { signal("Dogwood", "days_since_admin_seen", day.Add(time.Hour), 40) })
	require.Equal(t, 1, sum.Fired)
	posts := only(calls, "chat.postMessage")
	require.Equal(t, []string{alertChannel, alertChannel}, channels(posts), "one 429, then the post")
	require.Contains(t, posts[1].Param("text"), "Dogwood · Admin inactive: No admin seen for 40 days")
	require.Equal(t, []time.Duration{time.Second}, e.sleeps, "waited the Retry-After Slack asked for")
	require.Empty(t, only(calls, "users.lookupByEmail"))

	// Day 1: Birch dropped 18 points in 14 days: channel and the owner,
	// known only by email. Fir shows interest in a module it does not own:
	// DM only. Then someone snoozes Birch from the channel.
	sum, calls = e.runDay(t, 1, func(day time.Time) {
		signal("Dogwood", "days_since_admin_seen", day.Add(time.Hour), 41)
		signal("Fir", "interest:analytics", day.Add(time.Hour), 1)
	})
	require.Equal(t, 2, sum.Fired)
	require.ElementsMatch(t, []string{alertChannel, "U_ELI", "U_DANA"}, channels(only(calls, "chat.postMessage")))
	require.Len(t, only(calls, "users.lookupByEmail"), 1)
	eli, err := e.st.CSMByEmail(ctx, "eli@example.com")
	require.NoError(t, err)
	require.Equal(t, "U_ELI", eli.SlackUserID, "the Slack id found by email is kept on the CSM")
	birch := e.alertOf(t, "Birch", scoring.AlertTrendDrop)
	require.Contains(t, birch.Summary, "80 → 62 in 14 days")
	fir := e.alertOf(t, "Fir", scoring.AlertExpansion)
	require.Equal(t, "Expansion: interest in analytics (not owned)", fir.Summary)
	require.Empty(t, fir.MessageTS, "expansion=dm: nothing in the channel")
	require.NotEmpty(t, fir.DMMessageTS)

	e.click(t, "U_SAM", birch.ChannelID, birch.MessageTS, blocks.ActionAlertSnooze, birch.ID, "", "snooze")
	birch = e.alertOf(t, "Birch", scoring.AlertTrendDrop)
	require.Equal(t, scoring.AlertSnoozed, birch.State)
	require.True(t, birch.SnoozedUntil.Equal(e.d0.AddDate(0, 0, 8).Add(6*time.Hour)), "seven days from the click, on the injected clock: %s", birch.SnoozedUntil)
	ups := updatesOf(e.newCalls())
	require.Len(t, ups, 2, "both the channel message and the DM show the snooze")
	for _, b := range ups {
		require.Contains(t, b, "Snoozed until Mar 10 by \\u003c@U_SAM\\u003e")
	}

	// Day 2: Redwood turns red: channel and DM. A second replica running
	// the same day fires and posts nothing. Acknowledge from the channel;
	// Open card from the DM.
	sum, calls = e.runDay(t, 2, nil)
	require.Equal(t, 1, sum.Fired)
	require.ElementsMatch(t, []string{alertChannel, "U_DANA"}, channels(only(calls, "chat.postMessage")))
	again, err := e.alerts.EvaluateAndPostAlerts(ctx, e.d0.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Equal(t, alerts.AlertRunSummary{Accounts: again.Accounts, Took: again.Took}, again, "a repeated run changes nothing")
	require.Empty(t, e.newCalls())
	red := e.alertOf(t, "Redwood", scoring.AlertTurnedRed)
	require.Contains(t, red.Summary, "Turned red at 38 (was 44 7 days ago)")

	e.click(t, "U_SAM", red.ChannelID, red.MessageTS, blocks.ActionAlertAck, red.ID, "", "ack")
	red = e.alertOf(t, "Redwood", scoring.AlertTurnedRed)
	require.Equal(t, scoring.AlertAcknowledged, red.State)
	require.Equal(t, "U_SAM", red.ActedBy)
	ups = updatesOf(e.newCalls())
	require.Equal(t, []string{alertChannel, "U_DANA"}, sortedKeys(ups))
	for _, b := range ups {
		require.Contains(t, b, "Acknowledged by \\u003c@U_SAM\\u003e")
	}
	e.click(t, "U_DANA", red.DMChannelID, red.DMMessageTS, blocks.ActionAlertOpen, red.ID, "", "open")
	card := e.hooks.WaitFor(t, "open")
	require.Contains(t, card.Message.Text, "Redwood")
	require.Equal(t, slack.ResponseTypeEphemeral, card.Message.ResponseType)

	// Day 3: Dogwood churns: its live alert resolves ("the account
	// churned") and its owner is asked why, once. Dana assigns Redwood to
	// Zoe from her DM.
	sum, calls = e.runDay(t, 3, func(day time.Time) {
		a := e.acct["Dogwood"]
		a.ChurnedAt = day
		_, err := e.st.UpsertAccount(ctx, a)
		require.NoError(t, err)
	})
	require.Equal(t, 1, sum.Resolved)
	require.Empty(t, only(calls, "users.lookupByEmail"), "the Slack id found on day 1 is used")
	ups = updatesOf(calls)
	require.Len(t, ups, 1)
	require.Contains(t, ups[alertChannel], "Resolved Mar 5: the account churned")
	require.NotContains(t, ups[alertChannel], `"actions"`, "a resolved alert loses its buttons")
	asks := only(calls, "chat.postMessage")
	require.Equal(t, []string{"U_DANA"}, channels(asks))
	require.Contains(t, asks[0].Param("text"), "Dogwood churned")

	e.click(t, "U_DANA", red.DMChannelID, red.DMMessageTS, blocks.ActionAlertAssign, red.ID, "U_ZOE", "assign")
	red = e.alertOf(t, "Redwood", scoring.AlertTurnedRed)
	require.Equal(t, "U_ZOE", red.AssignedTo)
	require.Equal(t, scoring.AlertAcknowledged, red.State, "assigning keeps the state")
	calls = e.newCalls()
	ups = updatesOf(calls)
	require.Len(t, ups, 2)
	for _, b := range ups {
		require.Contains(t, b, "Acknowledged by \\u003c@U_SAM\\u003e · 👤 Assigned to \\u003c@U_ZOE\\u003e")
	}
	told := only(calls, "chat.postMessage")
	require.Equal(t, []string{"U_ZOE"}, channels(told), "the assignee hears of it")
	require.Equal(t, "<@U_DANA> assigned you an alert: Redwood · Turned red", told[0].Param("text"))
	// Picking Zoe again, or assigning to oneself, tells no one.
	e.click(t, "U_DANA", red.DMChannelID, red.DMMessageTS, blocks.ActionAlertAssign, red.ID, "U_ZOE", "assign")
	require.Empty(t, only(e.newCalls(), "chat.postMessage"))
	e.click(t, "U_DANA", red.DMChannelID, red.DMMessageTS, blocks.ActionAlertAssign, red.ID, "U_DANA", "assign")
	require.Empty(t, only(e.newCalls(), "chat.postMessage"))
	e.click(t, "U_DANA", red.DMChannelID, red.DMMessageTS, blocks.ActionAlertAssign, red.ID, "U_ZOE", "assign")
	require.Equal(t, []string{"U_ZOE"}, channels(only(e.newCalls(), "chat.postMessage")))

	// Day 4: Cedar's pulse turns Poor (pulse_poor=dm); Redwood at 41 is
	// above the red line but inside the hysteresis, so stays. Dana answers
	// why Dogwood churned; the outcome job asks nothing twice.
	sum, calls = e.runDay(t, 4, func(day time.Time) {
		require.NoError(t, e.st.IntakePulse(ctx, scoring.Pulse{AccountID: e.acct["Cedar"].ID, CSMID: e.csm["dana"].ID,
			Rating: scoring.RatingPoor, Week: scoring.ISOWeek(day), AnsweredAt: day.Add(5 * time.Hour), Note: "Sponsor is leaving"}))
	})
	require.Equal(t, 1, sum.Fired)
	require.Zero(t, sum.Resolved)
	require.Equal(t, []string{"U_DANA"}, channels(only(calls, "chat.postMessage")))
	require.Contains(t, only(calls, "chat.postMessage")[0].Param("text"), "Pulse Poor from Dana on Mar 6: “Sponsor is leaving”")

	var churnID int64
	require.NoError(t, e.st.DB().QueryRow(ctx, `SELECT id FROM outcome WHERE account_id = $1 AND kind = 'churn'`, e.acct["Dogwood"].ID).Scan(&churnID))
	churn, err := e.st.Outcome(ctx, churnID)
	require.NoError(t, err)
	e.click(t, "U_DANA", churn.DMChannelID, churn.DMMessageTS, blocks.ActionOutcomeReason, churnID, "budget_cut", "reason")
	churn, err = e.st.Outcome(ctx, churnID)
	require.NoError(t, err)
	require.Equal(t, []string{"budget_cut"}, churn.Reasons)
	require.Equal(t, "U_DANA", churn.AnsweredBy)
	ups = updatesOf(e.newCalls())
	require.Contains(t, ups["U_DANA"], "✅ Recorded: Budget cut by \\u003c@U_DANA\\u003e")

	// Day 5: Redwood is back at 46 (≥ 40 + 5): resolved, both messages
	// updated. Elm renewed (new renewal date): Fay is asked why, and
	// answers in the note modal.
	sum, calls = e.runDay(t, 5, func(day time.Time) {
		a := e.acct["Elm"]
		a.RenewalDate = e.d0.AddDate(1, 0, 2)
		_, err := e.st.UpsertAccount(ctx, a)
		require.NoError(t, err)
	})
	require.Equal(t, 1, sum.Resolved)
	ups = updatesOf(calls)
	require.Equal(t, []string{alertChannel, "U_DANA"}, sortedKeys(ups))
	for _, b := range ups {
		require.Contains(t, b, "~Turned red at 38")
		require.Contains(t, b, "Resolved Mar 7: condition cleared · score now 46 (Yellow)")
		require.NotContains(t, b, blocks.ActionAlertAck)
	}
	asks = only(calls, "chat.postMessage")
	require.Equal(t, []string{"U_FAY"}, channels(asks))
	require.Contains(t, asks[0].Param("text"), "Elm renewed")

	var renewalID int64
	require.NoError(t, e.st.DB().QueryRow(ctx, `SELECT id FROM outcome WHERE account_id = $1 AND kind = 'renewal'`, e.acct["Elm"].ID).Scan(&renewalID))
	renewal, err := e.st.Outcome(ctx, renewalID)
	require.NoError(t, err)
	require.True(t, renewal.OccurredOn.Equal(e.d0.AddDate(0, 0, 2)), "the renewal that happened")
	e.click(t, "U_FAY", renewal.DMChannelID, renewal.DMMessageTS, blocks.ActionOutcomeNote, renewalID, "", "note")
	opened := only(e.newCalls(), "views.open")
	require.Len(t, opened, 1)
	require.Equal(t, "trigger-note", opened[0].Param("trigger_id"))
	e.interact(t, slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U_FAY", TeamID: "T1"}, Team: slack.Team{ID: "T1"},
		View: slack.View{CallbackID: blocks.CallbackOutcomeNote, PrivateMetadata: strconv.FormatInt(renewalID, 10), State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{
				blocks.OutcomeReasonsBlock: {blocks.OutcomeReasonsInput: {SelectedOptions: []slack.OptionBlockObject{{Value: "happy_sponsor"}, {Value: "expanding"}}}},
				blocks.OutcomeNoteBlock:    {blocks.OutcomeNoteInput: {Value: "  QBR landed; they add a team  "}},
			},
		}},
	})
	renewal, err = e.st.Outcome(ctx, renewalID)
	require.NoError(t, err)
	require.Equal(t, []string{"happy_sponsor", "expanding"}, renewal.Reasons)
	require.Equal(t, "QBR landed; they add a team", renewal.Note)
	ups = updatesOf(e.newCalls())
	require.Contains(t, ups["U_FAY"], "✅ Recorded: Happy sponsor, Expanding — “QBR landed; they add a team” by \\u003c@U_FAY\\u003e")

	// Day 6: Cedar's pulse is Healthy again: its DM is updated. A late
	// click on Redwood's resolved alert changes nothing and says so.
	sum, calls = e.runDay(t, 6, func(day time.Time) {
		require.NoError(t, e.st.IntakePulse(ctx, scoring.Pulse{AccountID: e.acct["Cedar"].ID, CSMID: e.csm["dana"].ID,
			Rating: scoring.RatingHealthy, Week: scoring.ISOWeek(day), AnsweredAt: day.Add(5 * time.Hour)}))
	})
	require.Equal(t, 1, sum.Resolved)
	require.Equal(t, []string{"U_DANA"}, sortedKeys(updatesOf(calls)))
	require.Empty(t, only(calls, "chat.postMessage"))
	e.click(t, "U_SAM", red.ChannelID, red.MessageTS, blocks.ActionAlertSnooze, red.ID, "", "late")
	require.Contains(t, e.hooks.WaitFor(t, "late").Message.Text, "already resolved")
	require.Empty(t, e.newCalls(), "no message changes")
	require.Equal(t, scoring.AlertResolved, e.alertOf(t, "Redwood", scoring.AlertTurnedRed).State)

	// Day 7: Redwood is red again, but turned_red cools down for 3 days
	// after resolving: nothing.
	sum, calls = e.runDay(t, 7, nil)
	require.Zero(t, sum.Fired+sum.Resolved+sum.Reopened)
	require.Empty(t, calls)

	// Day 8: the cooldown is over: Redwood alerts again (a new alert).
	// Birch's snooze ran out and it still holds: both messages are updated
	// and a "still" reply goes in each thread.
	sum, calls = e.runDay(t, 8, nil)
	require.Equal(t, 1, sum.Fired)
	require.Equal(t, 1, sum.Reopened)
	ups = updatesOf(calls)
	require.Equal(t, []string{alertChannel, "U_ELI"}, sortedKeys(ups))
	for _, b := range ups {
		require.Contains(t, b, "snooze ended Mar 10")
		require.Contains(t, b, blocks.ActionAlertSnooze, "a re-opened alert has its buttons back")
	}
	var replies, fresh []string
	for _, p := range only(calls, "chat.postMessage") {
		if p.Param("thread_ts") != "" {
			replies = append(replies, p.Param("channel"))
			require.Contains(t, p.Param("text"), "Snooze over, still score dropping")
		} else {
			fresh = append(fresh, p.Param("channel"))
		}
	}
	require.ElementsMatch(t, []string{alertChannel, "U_ELI"}, replies)
	require.ElementsMatch(t, []string{alertChannel, "U_DANA"}, fresh)
	require.Equal(t, scoring.AlertOpen, e.alertOf(t, "Birch", scoring.AlertTrendDrop).State)

	// The week's alerts, once each.
	rows, err := e.st.DB().Query(ctx, `SELECT a.name, al.kind, al.state FROM alert al JOIN account a ON a.id = al.account_id ORDER BY al.id`)
	require.NoError(t, err)
	var got []string
	for rows.Next() {
		var name, kind, state string
		require.NoError(t, rows.Scan(&name, &kind, &state))
		got = append(got, name+" "+kind+" "+state)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []string{
		"Dogwood admin_inactive resolved",
		"Birch trend_drop open",
		"Fir expansion open",
		"Redwood turned_red resolved",
		"Cedar pulse_poor resolved",
		"Redwood turned_red open",
	}, got)
	var asked int
	require.NoError(t, e.st.DB().QueryRow(ctx, `SELECT count(*) FROM outcome WHERE asked_at IS NOT NULL`).Scan(&asked))
	require.Equal(t, 2, asked, "one question per churn or renewal")
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
