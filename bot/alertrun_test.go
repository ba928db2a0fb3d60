package bot_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/alerts"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// alertRunSetup is one red account over a rolled-back transaction and a
// fake Slack whose answers the test chooses.
type alertRunSetup struct {
	st    *store.Store
	fake  *bottest.Slack
	api   alerts.Slack
	clock *bottest.Clock
	day   time.Time
	acct  int64
}

func setupAlertRun(t *testing.T, reply bottest.ReplyFunc, ownerEmail, ownerSlack string) alertRunSetup {
	t.Helper()
	ctx := context.Background()
	s := alertRunSetup{st: storetest.Store(t), fake: bottest.NewSlack(t, reply), clock: &bottest.Clock{}, day: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)}
	s.clock.Set(s.day.Add(6 * time.Hour))
	s.api = bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: s.fake.APIURL()}, slog.New(slog.DiscardHandler))
	owner, err := s.st.EnsureCSM(ctx, ownerEmail, ownerSlack, "Owner")
	require.NoError(t, err)
	s.acct, err = s.st.UpsertAccount(ctx, scoring.Account{ExternalID: "oak", Name: "Oak", OwnerID: owner})
	require.NoError(t, err)
	_, err = s.st.UpsertScores(ctx, []scoring.Score{score(s.acct, s.day.AddDate(0, 0, -1), 50), score(s.acct, s.day, 30)})
	require.NoError(t, err)
	return s
}

// alerts posts every alert of the first run too: these tests are about
// posting (the quiet first run is TestFirstAlertRunIsSummedUpNotPosted).
func (s alertRunSetup) alerts(slackAPI alerts.Slack, owners *bot.OwnerResolver) *alerts.Alerts {
	return alerts.New(alerts.Config{Store: s.st, Slack: slackAPI, Owners: owners, Channel: alertChannel, Now: s.clock.Now,
		Retry: chat.RateLimitRetrier{Sleep: func(context.Context, time.Duration) error { return nil }}, PostFirstRun: true})
}

func TestFirstAlertRunIsSummedUpNotPosted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, nil, "", "U_OWNER")
	a := alerts.New(alerts.Config{Store: s.st, Slack: s.api, Channel: alertChannel, Now: s.clock.Now})

	// The default routes send every rule to both the channel and the owner,
	// so each gets a summary (TestFirstAlertRunFollowsRoutes for the others).
	sum, err := a.EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Fired)
	require.Equal(t, 1, sum.Quiet)
	require.Equal(t, 2, sum.Posted)
	posts := s.fake.Calls("chat.postMessage")
	require.Equal(t, []string{alertChannel, "U_OWNER"}, channels(posts), "one summary in the channel, one to the owner")
	require.Equal(t, "healthbot is now watching 1 account: 1 alert condition already holds (recorded, not posted one by one).",
		posts[0].Param("text"))
	require.Equal(t, "healthbot is now watching your 1 account: 1 alert condition already holds (recorded, not posted one by one).",
		posts[1].Param("text"))
	live, err := s.st.AlertsForEvaluation(ctx, s.day)
	require.NoError(t, err)
	require.Len(t, live[s.acct], 1, "the alert is recorded, so it does not fire again")
	unposted, err := s.st.UnpostedAlerts(ctx, s.day.AddDate(0, 0, -7))
	require.NoError(t, err)
	require.Empty(t, unposted, "and it is not posted later as a failed post")

	// The next day a second account turns red: that one is news, posted
	// to the channel and its owner as usual.
	owner, err := s.st.EnsureCSM(ctx, "", "U_OWNER", "Owner")
	require.NoError(t, err)
	elm, err := s.st.UpsertAccount(ctx, scoring.Account{ExternalID: "elm", Name: "Elm", OwnerID: owner})
	require.NoError(t, err)
	next := s.day.AddDate(0, 0, 1)
	_, err = s.st.UpsertScores(ctx, []scoring.Score{score(s.acct, next, 30), score(elm, s.day, 50), score(elm, next, 30)})
	require.NoError(t, err)
	s.clock.Set(next.Add(6 * time.Hour))
	sum, err = a.EvaluateAndPostAlerts(ctx, next)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Fired)
	require.Zero(t, sum.Quiet)
	posts = s.fake.Calls("chat.postMessage")[2:]
	require.ElementsMatch(t, []string{alertChannel, "U_OWNER"}, channels(posts))
	for _, p := range posts {
		require.Contains(t, p.Param("text"), "Elm · Turned red")
	}
}

func TestAlertsStoredWithoutSlackArePostedLater(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, nil, "", "U_OWNER")

	sum, err := s.alerts(nil, nil).EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Fired)
	require.Zero(t, sum.Posted)
	require.Empty(t, s.fake.Calls(""))

	sum, err = s.alerts(s.api, nil).EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	require.Zero(t, sum.Fired, "already fired")
	require.Equal(t, 2, sum.Posted, "the stored alert reaches the channel and the owner")
	require.ElementsMatch(t, []string{alertChannel, "U_OWNER"}, channels(s.fake.Calls("chat.postMessage")))
}

func TestAlertPostFailureIsRetriedNextRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var mu sync.Mutex
	failing := true
	s := setupAlertRun(t, func(c bottest.Call) *bottest.Reply {
		mu.Lock()
		defer mu.Unlock()
		if c.Method == "chat.postMessage" && c.Param("channel") == alertChannel && failing {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "not_in_channel"}}
		}
		return nil
	}, "", "U_OWNER")
	a := s.alerts(s.api, nil)

	sum, err := a.EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err, "a Slack failure does not fail the run")
	require.Equal(t, 1, sum.Fired)
	require.Equal(t, 1, sum.Failed)
	require.Equal(t, 1, sum.Posted, "the DM still went out")

	mu.Lock()
	failing = false
	mu.Unlock()
	s.clock.Set(s.day.AddDate(0, 0, 1).Add(6 * time.Hour))
	_, err = s.st.UpsertScores(ctx, []scoring.Score{score(s.acct, s.day.AddDate(0, 0, 1), 31)})
	require.NoError(t, err)
	sum, err = a.EvaluateAndPostAlerts(ctx, s.day.AddDate(0, 0, 1))
	require.NoError(t, err)
	require.Zero(t, sum.Fired)
	require.Equal(t, 1, sum.Posted, "the channel post is retried; the DM is not repeated")
	posts := s.fake.Calls("chat.postMessage")
	require.Equal(t, alertChannel, posts[len(posts)-1].Param("channel"))
	live, err := s.st.LiveAlerts(ctx, 10)
	require.NoError(t, err)
	require.Len(t, live, 1)
	require.NotEmpty(t, live[0].MessageTS)
	require.NotEmpty(t, live[0].DMMessageTS)
}

func TestOwnerResolver(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, fakeReplies(0), "eli@example.com", "")
	clock := &bottest.Clock{}
	clock.Set(s.day)
	lookup := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: s.fake.APIURL()}, slog.New(slog.DiscardHandler))
	r := bot.NewOwnerResolver(lookup, s.st, chat.RateLimitRetrier{}, nil, clock.Now)

	id, err := r.SlackID(ctx, scoring.CSM{ID: 1, SlackUserID: "U_KNOWN", Email: "x@example.com"})
	require.NoError(t, err)
	require.Equal(t, "U_KNOWN", id)
	require.Empty(t, s.fake.Calls("users.lookupByEmail"), "a stored Slack id needs no lookup")

	id, err = r.SlackID(ctx, scoring.CSM{ID: 2, Email: "eli@example.com"})
	require.NoError(t, err)
	require.Equal(t, "U_ELI", id)
	eli, err := s.st.CSMByEmail(ctx, "eli@example.com")
	require.NoError(t, err)
	require.Equal(t, "U_ELI", eli.SlackUserID, "saved on the csm row")

	ghost := scoring.CSM{ID: 3, Email: "Ghost@example.com"}
	for range 3 {
		id, err = r.SlackID(ctx, ghost)
		require.NoError(t, err)
		require.Empty(t, id)
	}
	require.Len(t, s.fake.Calls("users.lookupByEmail"), 2, "an unknown email is asked about once")
	clock.Set(s.day.Add(bot.NotFoundTTL))
	_, err = r.SlackID(ctx, ghost)
	require.NoError(t, err)
	require.Len(t, s.fake.Calls("users.lookupByEmail"), 3, "and again after NotFoundTTL")
}

func TestFirstAlertRunFollowsRoutes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		routes, owner string
		want          []string
	}{
		{"turned_red=channel", "U_CHANNEL_ONLY", []string{alertChannel}},
		{"turned_red=dm", "U_DM_ONLY", []string{"U_DM_ONLY"}},
	} {
		t.Run(c.routes, func(t *testing.T) {
			t.Parallel()
			s := setupAlertRun(t, nil, "", c.owner)
			routes, err := alerts.ParseAlertRoutes(c.routes)
			require.NoError(t, err)
			a := alerts.New(alerts.Config{Store: s.st, Slack: s.api, Channel: alertChannel, Routes: routes, Now: s.clock.Now})
			sum, err := a.EvaluateAndPostAlerts(context.Background(), s.day)
			require.NoError(t, err)
			require.Equal(t, 1, sum.Quiet)
			require.Equal(t, c.want, channels(s.fake.Calls("chat.postMessage")))
		})
	}
}
