package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/bot/timeline"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

const weekSecret = "csm-week-signing-secret-0123456789"

// weekE2E is the CSM's week (#17) end to end: the real HTTP transport,
// router and Gate (HEALTHBOT_MANAGERS = SMGR, whose one member is U_BOSS),
// /health with the timeline and /health owner, and the alert buttons,
// over a committed schema and a fake Slack, on an injected clock.
type weekE2E struct {
	st     *store.Store
	fx     *healthtest.Fixture
	fake   *bottest.Slack
	hooks  *bottest.Catcher
	router *bot.Router
	alerts *alerts.Alerts
	clock  *bottest.Clock
	base   string
	world  healthtest.World
}

func weekSlack(c bottest.Call) *bottest.Reply {
	if c.Method == "usergroups.users.list" {
		return &bottest.Reply{Body: map[string]any{"ok": true, "users": []string{"U_BOSS"}}}
	}
	if c.Method == "users.info" && c.Param("user") == "UGUEST0" {
		return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{"id": "UGUEST0", "team_id": "T1", "is_restricted": true}}}
	}
	return nil
}

func setupWeek(t *testing.T, budget int) *weekE2E {
	t.Helper()
	return setupWeekWith(t, budget, true)
}

// setupWeekWith is setupWeek with or without the healthtest World.
func setupWeekWith(t *testing.T, budget int, seed bool) *weekE2E {
	t.Helper()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	e := &weekE2E{st: store.New(storetest.Schema(t)), hooks: bottest.NewCatcher(t), clock: &bottest.Clock{}}
	e.clock.Set(now)
	e.fx = healthtest.New(t, e.st, now)
	if seed {
		e.world = e.fx.Seed()
	}
	e.fake = bottest.NewSlack(t, weekSlack)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: e.fake.APIURL()}, log)
	gate := access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}, Managers: "SMGR", Now: e.clock.Now})
	e.router = bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(api, nil, nil, log), Access: gate})
	h := health.NewHealth(e.st, log, e.clock.Now)
	e.router.Command(health.HelpCommand, h)
	for _, id := range h.ActionIDs() {
		e.router.Action(id, h)
	}
	tl := timeline.NewTimeline(e.st, api, log, e.clock.Now)
	tl.Register(e.router, h)
	h.Register(health.OwnerSubcommand(h, e.st, gate))
	h.Register(bot.TeamSubcommand(h, e.st, nil))
	e.alerts = alerts.New(alerts.Config{Store: e.st, Slack: api, Channel: alertChannel, Now: e.clock.Now, Logger: log,
		PostFirstRun: true, Budget: budget, Timeline: tl, Views: api,
		Retry: chat.RateLimitRetrier{Sleep: func(context.Context, time.Duration) error { return nil }}})
	e.alerts.RegisterButtons(e.router, h)
	mux := http.NewServeMux()
	bot.NewHTTPTransport(e.router, weekSecret, bot.HTTPOptions{}).Mount(mux)
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

// command sends "/health text" as user and returns what reached its response_url.
func (e *weekE2E) command(t *testing.T, user, text, hook string) string {
	t.Helper()
	cmd := bottest.Command(text, e.hooks.URL(hook))
	cmd.UserID = user
	e.send(t, "/slack/commands", bottest.CommandBody(cmd))
	return string(e.hooks.WaitFor(t, hook).Raw)
}

// interact posts an interaction payload and waits for its handler.
func (e *weekE2E) interact(t *testing.T, cb slack.InteractionCallback) string {
	t.Helper()
	if cb.Team.ID == "" {
		cb.Team.ID = "T1"
	}
	return e.send(t, "/slack/interactivity", bottest.InteractionBody(t, cb))
}

func (e *weekE2E) send(t *testing.T, path string, body []byte) string {
	t.Helper()
	req := bottest.SignedRequest(t, e.base+path, weekSecret, time.Now(), bottest.FormContent, body)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	ack, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode, string(ack))
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, e.router.Idle(ctx))
	return string(ack)
}

// button is a block_actions click by user on a button (actionID, value).
func button(user, actionID, blockID, value, hook string, hooks *bottest.Catcher) slack.InteractionCallback {
	return slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user, TeamID: "T1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
		Container:   slack.Container{Type: "message", ChannelID: "C1", MessageTs: "1700000000.000001"},
		ResponseURL: hooks.URL(hook), TriggerID: "trigger-" + hook,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
			ActionID: actionID, BlockID: blockID, Value: value, Type: "button",
		}}},
	}
}

func TestTouchpointLoggedFromTheModalAppearsOnTheCard(t *testing.T) {
	t.Parallel()
	e := setupWeek(t, 0)
	acme := strconv.FormatInt(e.world.Acme.ID, 10)

	card := e.command(t, "U0JANE", "Acme", "card")
	require.Contains(t, card, "Nothing logged yet", "the card has a timeline section")
	require.Contains(t, card, `"action_id":"timeline_log"`, "and a Log button")

	e.interact(t, button("U0JANE", blocks.ActionTimelineLog, "card_actions", acme, "log", e.hooks))
	opened := e.fake.Calls("views.open")
	require.Len(t, opened, 1)
	require.Equal(t, "trigger-log", opened[0].Param("trigger_id"))
	require.Contains(t, opened[0].Param("view"), `"callback_id":"timeline_log"`)

	// A submission without a kind keeps the modal open with the error.
	sub := func(kind, note string) slack.InteractionCallback {
		return slack.InteractionCallback{
			Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0JANE", TeamID: "T1"},
			View: slack.View{CallbackID: blocks.CallbackTimelineLog, PrivateMetadata: acme, State: &slack.ViewState{
				Values: map[string]map[string]slack.BlockAction{
					blocks.LogKindBlock: {blocks.LogKindInput: {Type: "radio_buttons", SelectedOption: slack.OptionBlockObject{Value: kind}}},
					blocks.LogNoteBlock: {blocks.LogNoteInput: {Type: "plain_text_input", Value: note}},
				},
			}},
		}
	}
	ack := e.interact(t, sub("", "forgot the kind"))
	require.Contains(t, ack, blocks.LogKindBlock)
	tps, err := e.st.Touchpoints(context.Background(), e.world.Acme.ID, 0, 10)
	require.NoError(t, err)
	require.Empty(t, tps, "a refused form stores nothing")

	e.clock.Set(e.clock.Now().Add(time.Hour))
	require.Empty(t, e.interact(t, sub("call", "  Called the CFO, renewal on track  ")))
	tps, err = e.st.Touchpoints(context.Background(), e.world.Acme.ID, 0, 10)
	require.NoError(t, err)
	require.Len(t, tps, 1)
	require.Equal(t, store.Touchpoint{ID: tps[0].ID, AccountID: e.world.Acme.ID, CSMID: e.world.Jane.ID, UserID: "U0JANE",
		Kind: "call", Note: "Called the CFO, renewal on track", At: e.clock.Now()}, tps[0].WithAtIn(time.UTC))

	card = e.command(t, "U0JANE", "Acme", "card-after")
	require.Contains(t, card, "📞 Call")
	require.Contains(t, card, "Called the CFO, renewal on track")
	require.NotContains(t, card, "Nothing logged yet")

	// Three more from /health log: the card shows the newest three, the
	// timeline the oldest.
	for i, note := range []string{"emailed the deck", "meeting with the new VP", "qbr booked for Jan"} {
		e.clock.Set(e.clock.Now().Add(time.Hour))
		got := e.command(t, "U0JANE", "log acme "+note, "log-"+strconv.Itoa(i))
		require.Contains(t, got, "Logged")
	}
	card = e.command(t, "U0JANE", "Acme", "card-four")
	require.Contains(t, card, "📊 QBR · \\u003c@U0JANE\\u003e — booked for Jan", "a leading kind word sets the kind")
	require.NotContains(t, card, "Called the CFO", "the fourth-newest is off the card")
	require.Contains(t, card, "1 more")
	tl := e.command(t, "U0JANE", "timeline acme", "timeline")
	require.Contains(t, tl, "Called the CFO, renewal on track")
	require.NotContains(t, tl, "booked for Jan")

	// days_since_touchpoint reads the signals the touchpoints wrote.
	var n int
	require.NoError(t, e.st.DB().QueryRow(context.Background(),
		`SELECT count(*) FROM signal WHERE account_id = $1 AND metric = 'touchpoint'`, e.world.Acme.ID).Scan(&n))
	require.Equal(t, 4, n)
}

func TestOwnerByANonManagerIsRefusedPolitely(t *testing.T) {
	t.Parallel()
	e := setupWeek(t, 0)
	ctx := context.Background()

	got := e.command(t, "U0JANE", "owner acme @bob", "refused")
	require.Contains(t, got, "only managers can reassign accounts")
	a, err := e.st.Account(ctx, e.world.Acme.ID)
	require.NoError(t, err)
	require.Equal(t, e.world.Jane.ID, a.OwnerID, "nothing changed")

	got = e.command(t, "U_BOSS", "owner acme @bob", "done")
	require.Contains(t, got, "now belongs to Bob Stone")
	a, err = e.st.Account(ctx, e.world.Acme.ID)
	require.NoError(t, err)
	require.Equal(t, e.world.Bob.ID, a.OwnerID)
	ids, err := e.st.PulseOwnedAccountIDs(ctx, e.world.Bob.ID)
	require.NoError(t, err)
	require.Contains(t, ids, e.world.Acme.ID, "the next pulse follows the new owner")

	got = e.command(t, "U_BOSS", "owner acme @nobody", "unknown")
	require.Contains(t, got, "I know no CSM called @nobody")

	// A guest is never given accounts, nor made a CSM.
	got = e.command(t, "U_BOSS", "owner acme <@UGUEST0>", "guest")
	require.Contains(t, got, "cannot be given accounts")
	a, err = e.st.Account(ctx, e.world.Acme.ID)
	require.NoError(t, err)
	require.Equal(t, e.world.Bob.ID, a.OwnerID, "still Bob's")
	_, err = e.st.CSMBySlackID(ctx, "UGUEST0")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestNotUsefulIsStoredAndCounted(t *testing.T) {
	t.Parallel()
	e := setupWeek(t, 0)
	ctx := context.Background()
	var alertID int64
	require.NoError(t, e.st.DB().QueryRow(ctx, `SELECT id FROM alert WHERE account_id = $1 AND state = 'open'`, e.world.Acme.ID).Scan(&alertID))
	id := strconv.FormatInt(alertID, 10)

	e.interact(t, button("U0JANE", blocks.ActionAlertNotUseful, blocks.AlertBlockID(alertID), id, "nu", e.hooks))
	opened := e.fake.Calls("views.open")
	require.Len(t, opened, 1, "the reason form opens")
	require.Contains(t, opened[0].Param("view"), `"callback_id":"alert_not_useful"`)
	since, until := e.clock.Now().AddDate(0, 0, -30), e.clock.Now().Add(time.Hour)
	stats, err := e.st.AlertStats(ctx, since, until)
	require.NoError(t, err)
	require.Equal(t, []store.AlertRuleStats{{Kind: scoring.AlertTurnedRed, Fired: 1, NotUseful: 1, Reasons: []string{}}}, stats,
		"the vote counts before any reason")

	e.interact(t, slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "U0JANE", TeamID: "T1"},
		View: slack.View{CallbackID: blocks.CallbackAlertNotUseful, PrivateMetadata: id, State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{
				blocks.NotUsefulBlock: {blocks.NotUsefulInput: {Type: "plain_text_input", Value: " seasonal dip, expected "}},
			},
		}},
	})
	// A second click by the same person is one vote.
	e.interact(t, button("U0JANE", blocks.ActionAlertNotUseful, blocks.AlertBlockID(alertID), id, "nu2", e.hooks))
	stats, err = e.st.AlertStats(ctx, since, until)
	require.NoError(t, err)
	require.Equal(t, []store.AlertRuleStats{{Kind: scoring.AlertTurnedRed, Fired: 1, NotUseful: 1, Reasons: []string{"seasonal dip, expected"}}}, stats)

	// Acknowledging records itself on the timeline and times the acknowledgement.
	e.clock.Set(e.clock.Now().Add(2 * time.Hour))
	e.interact(t, button("U0JANE", blocks.ActionAlertAck, blocks.AlertBlockID(alertID), id, "ack", e.hooks))
	tps, err := e.st.Touchpoints(ctx, e.world.Acme.ID, 0, 10)
	require.NoError(t, err)
	require.Len(t, tps, 1)
	require.Equal(t, "acknowledged", tps[0].AlertAction)
	require.True(t, strings.HasPrefix(tps[0].Note, "Acknowledged Turned red"), tps[0].Note)
	stats, err = e.st.AlertStats(ctx, since, until)
	require.NoError(t, err)
	require.Equal(t, 1, stats[0].Acknowledged)
	require.Equal(t, 3*24*time.Hour+2*time.Hour, stats[0].AckMedian, "fired three days before the clock, acknowledged two hours later")
}

func TestNinthAlertOfTheWeekGoesIntoTheDailySummary(t *testing.T) {
	t.Parallel()
	e := setupWeekWith(t, 8, false)
	ctx := context.Background()
	dana := e.fx.CSM("dana@example.com", "U_DANA", "Dana")
	d0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // Monday, 2026-W48
	accts := make([]scoring.Account, 12)                // D11 and D12 turn red in a second run on day 1
	var scores []scoring.Score
	for i := range accts {
		accts[i] = e.fx.Account(scoring.Account{Name: "D" + strconv.Itoa(i+1), Segment: "Mid", Owner: dana, MRR: float64(1000 * (i + 1))})
		for back := 1; back <= 20; back++ {
			scores = append(scores, score(accts[i].ID, d0.AddDate(0, 0, -back), 45))
		}
	}
	_, err := e.st.UpsertScores(ctx, scores)
	require.NoError(t, err)
	// Day 0 the first five turn red, day 1 the other five; day 2 nothing new.
	run := func(day int) (alerts.AlertRunSummary, []bottest.Call) {
		t.Helper()
		at := d0.AddDate(0, 0, day)
		var today []scoring.Score
		for i, a := range accts {
			v := 45.0
			if i < min(5*(day+1), 10) || (i >= 10 && day >= 2) {
				v = 35 // D11 and D12 turned red in day 1's second run and stay red
			}
			today = append(today, score(a.ID, at, v))
		}
		_, err := e.st.UpsertScores(ctx, today)
		require.NoError(t, err)
		e.clock.Set(at.Add(6 * time.Hour))
		before := len(e.fake.Calls("chat.postMessage"))
		sum, err := e.alerts.EvaluateAndPostAlerts(ctx, at)
		require.NoError(t, err)
		return sum, e.fake.Calls("chat.postMessage")[before:]
	}
	to := func(calls []bottest.Call, channel string) []bottest.Call {
		var out []bottest.Call
		for _, c := range calls {
			if c.Param("channel") == channel {
				out = append(out, c)
			}
		}
		return out
	}

	sum, calls := run(0)
	require.Equal(t, 5, sum.Fired)
	require.Len(t, to(calls, alertChannel), 5)
	require.Len(t, to(calls, "U_DANA"), 5)

	sum, calls = run(1)
	require.Equal(t, 5, sum.Fired)
	require.Len(t, to(calls, alertChannel), 5, "the channel is not budgeted")
	dms := to(calls, "U_DANA")
	require.Len(t, dms, 4, "three alert DMs fill the budget of 8; the 9th and 10th come in one summary")
	for i, name := range []string{"D10", "D9", "D8"} {
		require.Contains(t, dms[i].Param("text"), name, "highest MRR first")
	}
	summary := dms[3].Param("text")
	require.True(t, strings.HasPrefix(summary, "2 more alerts today: D7 · Turned red, D6 · Turned red"), summary)
	require.Equal(t, 2, sum.OverBudget)
	require.Equal(t, 1, sum.Summaries)

	// A second run the same day: D11 and D12 turn red; the channel gets
	// them, Dana's summary of the day is spent, so they wait.
	var extra []scoring.Score
	for _, a := range accts[10:] {
		extra = append(extra, score(a.ID, d0.AddDate(0, 0, 1), 35))
	}
	_, err = e.st.UpsertScores(ctx, extra)
	require.NoError(t, err)
	e.clock.Set(d0.AddDate(0, 0, 1).Add(9 * time.Hour))
	before := len(e.fake.Calls("chat.postMessage"))
	sum, err = e.alerts.EvaluateAndPostAlerts(ctx, d0.AddDate(0, 0, 1))
	require.NoError(t, err)
	calls = e.fake.Calls("chat.postMessage")[before:]
	require.Equal(t, 2, sum.Fired)
	require.Len(t, to(calls, alertChannel), 2)
	require.Empty(t, to(calls, "U_DANA"), "one summary DM a day")

	// Every alert is still on its card; the next day the two waiting ones
	// come in that day's summary, and nothing else is DMed again.
	for _, a := range accts {
		c, err := e.st.Card(ctx, a.ID, 0)
		require.NoError(t, err)
		require.Len(t, c.Alerts, 1, a.Name)
	}
	_, calls = run(2)
	dms = to(calls, "U_DANA")
	require.Len(t, dms, 1)
	require.True(t, strings.HasPrefix(dms[0].Param("text"), "2 more alerts today: D12 · Turned red, D11 · Turned red"), dms[0].Param("text"))
	counts, err := e.st.AlertDeliveryCounts(ctx, time.Time{})
	require.NoError(t, err)
	require.Equal(t, []store.DMsPerUserWeek{{UserID: "U_DANA", Week: "2026-W48", DMs: 8, Summary: 4}}, counts)
	// alerts stats --days: only the weeks from since's on.
	later, err := e.st.AlertDeliveryCounts(ctx, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) // 2026-W49
	require.NoError(t, err)
	require.Empty(t, later)
}

func TestTeamViewFlagsAMostlyGreenCSMForManagersOnly(t *testing.T) {
	t.Parallel()
	e := setupWeek(t, 0)
	// Bob rates all five of his accounts Healthy; three are red in the data.
	w := e.world
	for i, a := range []scoring.Account{w.SocGen, w.Globex, w.HooliUS, w.HooliEU, w.MoversInc} {
		if i < 3 {
			e.fx.Series(a.ID, 30)
		}
		e.fx.Pulse(scoring.Pulse{AccountID: a.ID, CSMID: w.Bob.ID, Rating: scoring.RatingHealthy, AnsweredAt: e.clock.Now().Add(-time.Hour)})
	}
	got := e.command(t, "U0JANE", "team", "csm")
	require.Contains(t, got, "the team view is for managers only")
	require.NotContains(t, got, "Bob")

	got = e.command(t, "U_BOSS", "team", "boss")
	require.Contains(t, got, "*Bob Stone* · pulse 2026-W48: 5 of 5 · 5 answers: 100 % Healthy, 0 % Concerning, 0 % Poor · agrees with the data 0 % · not enough churn to judge · 🟩 *mostly green*")
	require.Contains(t, got, "*Jane Doe* · pulse 2026-W48: 1 of 3 · 2 answers: 50 % Healthy, 50 % Concerning, 0 % Poor · agrees with the data 50 % · not enough churn to judge\\n", "Jane is not flagged")
}

func TestDigestNamesMostlyGreenCSMsAwayAccountsAndNoisyRules(t *testing.T) {
	t.Parallel()
	e := setupWeek(t, 0)
	ctx := context.Background()
	w := e.world
	for _, a := range []scoring.Account{w.SocGen, w.Globex, w.HooliUS} {
		e.fx.Series(a.ID, 30)
		e.fx.Pulse(scoring.Pulse{AccountID: a.ID, CSMID: w.Bob.ID, Rating: scoring.RatingHealthy, AnsweredAt: e.clock.Now().Add(-time.Hour)})
	}
	require.NoError(t, e.st.SetAway(ctx, store.Away{CSMID: w.Jane.ID, Until: e.fx.Day(-7), CoverCSMID: w.Bob.ID, SetAt: e.clock.Now()}))
	var alertID int64
	require.NoError(t, e.st.DB().QueryRow(ctx, `SELECT id FROM alert WHERE account_id = $1 AND state = 'open'`, w.Acme.ID).Scan(&alertID))
	require.NoError(t, e.st.MarkAlertNotUseful(ctx, alertID, "U0JANE", "hovering at the line", e.clock.Now()))

	d := bot.NewDigest(bot.DigestConfig{Store: e.st, Team: e.st, TextChart: true})
	_, msg, err := d.Build(ctx, e.clock.Now())
	require.NoError(t, err)
	text := blocksText(t, msg.Blocks)
	require.Contains(t, text, "🟩 *Bob Stone* rates 100 % of answers Healthy while the data puts 100 % of their accounts in red")
	require.Contains(t, text, "🌴 Jane Doe · away until Nov 30 · 3 accounts away, not unanswered · covered by Bob Stone")
	require.NotContains(t, text, "❌ Jane Doe", "away is not unanswered")
	require.Contains(t, text, "*Turned red* · fired 1 · acknowledged 0 · snoozed 0 · not useful 1\n   ⚠️ marked not useful more than half the time — tune the red band line (bands.red) and alerts.red_hysteresis: 5 · reasons: “hovering at the line”")

	// Without a TeamStore the digest is as before: none of it.
	_, plain, err := bot.NewDigest(bot.DigestConfig{Store: e.st, TextChart: true}).Build(ctx, e.clock.Now())
	require.NoError(t, err)
	require.NotContains(t, blocksText(t, plain.Blocks), "Mostly-green")
}

// blocksText joins the mrkdwn of sections and contexts.
func blocksText(t *testing.T, bs []slack.Block) string {
	t.Helper()
	var b strings.Builder
	for _, bl := range bs {
		switch x := bl.(type) {
		case *slack.SectionBlock:
			if x.Text != nil {
				b.WriteString(x.Text.Text + "\n")
			}
		case *slack.ContextBlock:
			for _, el := range x.ContextElements.Elements {
				if tx, ok := el.(*slack.TextBlockObject); ok {
					b.WriteString(tx.Text + "\n")
				}
			}
		}
	}
	return b.String()
}
