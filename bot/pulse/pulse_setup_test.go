package pulse_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// pulseMonday is Monday 2026-11-23 (ISO week 2026-W48) at 10:05 UTC, just
// after the default pulse time in UTC.
var pulseMonday = time.Date(2026, 11, 23, 10, 5, 0, 0, time.UTC)

const pulseSecret = "pulse-signing-secret-0123456789ab"

// waits records what the pulse asked to sleep (pacing, Retry-After) and
// returns at once.
type waits struct {
	mu sync.Mutex
	d  []time.Duration
}

func (w *waits) sleep(_ context.Context, d time.Duration) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.d = append(w.d, d)
	return nil
}

func (w *waits) all() []time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Duration(nil), w.d...)
}

// resolverFunc is a SlackIDResolver made of a function.
type resolverFunc func(ctx context.Context, c scoring.CSM) (string, error)

func (f resolverFunc) SlackID(ctx context.Context, c scoring.CSM) (string, error) { return f(ctx, c) }

var _ pulse.SlackIDResolver = resolverFunc(nil)

// pulseEnv is the pulse wired to a real Postgres, a fake Slack Web API and
// the real HTTP transport and router (for clicks, modals and commands).
type pulseEnv struct {
	st     *store.Store
	fx     *healthtest.Fixture
	slack  *bottest.Slack
	api    *slack.Client
	clock  *bottest.Clock
	waits  *waits
	pulse  *pulse.Pulse
	router *bot.Router
	base   string
	hooks  *bottest.Catcher
}

// pulseOpts changes the environment: a store on a committed schema (for
// several instances, or sending to several CSMs at once), a Slack reply
// override, config tweaks.
type pulseOpts struct {
	st    *store.Store
	reply bottest.ReplyFunc
	cfg   func(*pulse.PulseConfig)
}

func newPulseEnv(t *testing.T, start time.Time, o pulseOpts) *pulseEnv {
	t.Helper()
	e := &pulseEnv{st: o.st, clock: bottest.NewClock(start), waits: &waits{}, hooks: bottest.NewCatcher(t)}
	workers := 0 // the default: several CSMs at once, on a pool
	if e.st == nil {
		e.st = storetest.Store(t) // one transaction: one CSM at a time
		workers = 1
	}
	e.fx = healthtest.New(t, e.st, start)
	e.slack = bottest.NewSlack(t, o.reply)
	log := slog.New(slog.DiscardHandler)
	e.api = bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: e.slack.APIURL()}, log)
	cfg := pulse.PulseConfig{
		Store: e.st, Slack: e.api, Weekday: time.Monday, Hour: 10, Location: time.UTC,
		Pace: -1, Workers: workers, Instance: "test-a", Now: e.clock.Now, Sleep: e.waits.sleep,
		Retry: chat.RateLimitRetrier{MaxRetries: -1, Sleep: e.waits.sleep}, Logger: log,
	}
	if o.cfg != nil {
		o.cfg(&cfg)
	}
	e.pulse = pulse.NewPulse(cfg)
	e.router = bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(e.api, nil, nil, log)})
	hc := health.NewHealth(e.st, log, e.clock.Now)
	e.router.Command(health.HelpCommand, hc)
	e.pulse.Register(e.router, hc)
	mux := http.NewServeMux()
	bot.NewHTTPTransport(e.router, pulseSecret, bot.HTTPOptions{}).Mount(mux)
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

// csm adds a CSM; tz "" leaves the zone to Slack.
func (e *pulseEnv) csm(t *testing.T, name, slackID, tz string) scoring.CSM {
	t.Helper()
	c := e.fx.CSM(strings.ToLower(name)+"@example.com", slackID, name)
	if tz != "" {
		require.NoError(t, e.st.SetCSMTimeZone(context.Background(), c.ID, tz))
		c.TZ = tz
	}
	return c
}

// account adds a live account owned by c, scored today when score >= 0.
func (e *pulseEnv) account(t *testing.T, name string, c scoring.CSM, score float64) scoring.Account {
	t.Helper()
	a := e.fx.Account(scoring.Account{Name: name, Owner: c})
	if score >= 0 {
		e.fx.Series(a.ID, score)
	}
	return a
}

// tick runs one pulse job run at the clock's time.
func (e *pulseEnv) tick(t *testing.T) pulse.PulseTickSummary {
	t.Helper()
	sum, err := e.pulse.RunTick(context.Background())
	require.NoError(t, err)
	return sum
}

// postsTo lists the chat.postMessage calls that reached a user's DM.
func (e *pulseEnv) postsTo(user string) []bottest.Call {
	var out []bottest.Call
	for _, c := range e.slack.Calls("chat.postMessage") {
		if c.Param("channel") == user {
			out = append(out, c)
		}
	}
	return out
}

// messages lists what the store recorded as sent to c about week.
func (e *pulseEnv) messages(t *testing.T, c scoring.CSM, week string) []store.PulseMessage {
	t.Helper()
	ms, err := e.st.PulseMessagesOf(context.Background(), c.ID, week)
	require.NoError(t, err)
	return ms
}

// answer reads the stored pulse of an account and week (nil if none).
func (e *pulseEnv) answer(t *testing.T, accountID int64, week string) *scoring.Pulse {
	t.Helper()
	rows, err := e.st.PulseAccounts(context.Background(), []int64{accountID}, week)
	require.NoError(t, err)
	require.Len(t, rows, 1)
	return rows[0].Answer
}

// pulseRows counts pulse rows of an account and week.
func pulseRows(t *testing.T, st *store.Store, accountID int64, week string) int {
	t.Helper()
	var n int
	require.NoError(t, st.DB().QueryRow(context.Background(),
		"SELECT count(*) FROM pulse WHERE account_id = $1 AND week = $2", accountID, week).Scan(&n))
	return n
}

// interact posts an interactivity payload and waits for its handler.
func (e *pulseEnv) interact(t *testing.T, cb slack.InteractionCallback) {
	t.Helper()
	e.interactAck(t, cb)
}

// interactAck sends an interaction, waits for its handler and returns the
// body of Slack's acknowledgement (empty, or a view's field errors).
func (e *pulseEnv) interactAck(t *testing.T, cb slack.InteractionCallback) string {
	t.Helper()
	req := bottest.SignedRequest(t, e.base+"/slack/interactivity", pulseSecret, time.Now(), bottest.FormContent, bottest.InteractionBody(t, cb))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	e.idle(t)
	return string(body)
}

// command posts "/health text" as user and waits for its handler.
func (e *pulseEnv) command(t *testing.T, user, text, hook string) {
	t.Helper()
	cmd := bottest.Command(text, e.hooks.URL(hook))
	cmd.UserID = user
	req := bottest.SignedRequest(t, e.base+"/slack/commands", pulseSecret, time.Now(), bottest.FormContent, bottest.CommandBody(cmd))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	e.idle(t)
}

func (e *pulseEnv) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	require.NoError(t, e.router.Idle(ctx))
}

// click is a block_actions payload for a button on message m, by user,
// with a response_url on the catcher named hook.
func (e *pulseEnv) click(user string, m store.PulseMessage, actionID, value, hook string) slack.InteractionCallback {
	return slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, Team: slack.Team{ID: "T1"},
		Channel:     slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: m.ChannelID}}},
		Container:   slack.Container{Type: "message", ChannelID: m.ChannelID, MessageTs: m.TS},
		ResponseURL: e.hooks.URL(hook), TriggerID: "trigger-" + hook,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{
			ActionID: actionID, BlockID: "pulse:" + strings.Split(value, "|")[0], Value: value, Type: "button",
		}}},
	}
}

// blockAccounts lists the account ids a posted or updated message shows,
// in order, from the block IDs of its button rows.
func blockAccounts(t *testing.T, c bottest.Call) []int64 {
	t.Helper()
	var bs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(c.Param("blocks")), &bs), "blocks of %s", c.Method)
	require.LessOrEqual(t, len(bs), 50, "Block Kit allows 50 blocks a message")
	var out []int64
	for _, b := range bs {
		id, ok := b["block_id"].(string)
		if rest, found := strings.CutPrefix(id, "pulse:"); ok && found {
			n, err := strconv.ParseInt(rest, 10, 64)
			require.NoError(t, err)
			out = append(out, n)
		}
	}
	return out
}
