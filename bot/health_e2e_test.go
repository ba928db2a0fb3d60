package bot_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// testNow is the fixed "now" of the e2e fixtures (the same instant as
// bot/health's unit tests).
var testNow = time.Date(2026, 1, 14, 15, 30, 0, 0, time.UTC)

const e2eSecret = "e2e-signing-secret-0123456789abcdef"

type e2e struct {
	base  string
	hooks *bottest.Catcher
	world healthtest.World
}

// setupE2E serves the real HTTP transport and router with the /health
// handler over a committed schema, a fake Slack Web API and a response_url
// catcher.
func setupE2E(t *testing.T) e2e {
	t.Helper()
	st := store.New(storetest.Schema(t))
	return setupE2EOn(t, st, healthtest.New(t, st, testNow).Seed(), testNow)
}

// setupE2EOn is setupE2E over a store the test has filled itself, with
// /health's clock stopped at now.
func setupE2EOn(t *testing.T, st *store.Store, w healthtest.World, now time.Time) e2e {
	t.Helper()
	fake := bottest.NewSlack(t, nil)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	router := bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(api, nil, nil, log)})
	h := health.NewHealth(st, log, func() time.Time { return now })
	router.Command("/health", h)
	router.Action(blocks.ActionPrefix, h)
	mux := http.NewServeMux()
	bot.NewHTTPTransport(router, e2eSecret, bot.HTTPOptions{}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		if err := router.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return e2e{base: srv.URL, hooks: bottest.NewCatcher(t), world: w}
}

// post sends a signed request and returns the status and body of Slack's
// acknowledgement.
func (e e2e) post(t *testing.T, path, contentType string, body []byte) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, e.base+path, e2eSecret, time.Now(), contentType, body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// command sends "/health text" and returns what arrives at its response_url.
func (e e2e) command(t *testing.T, text, hook string) bottest.Post {
	t.Helper()
	status, ack := e.post(t, "/slack/commands", bottest.FormContent, bottest.CommandBody(bottest.Command(text, e.hooks.URL(hook))))
	if status != http.StatusOK {
		t.Fatalf("/health %s: status %d (%s)", text, status, ack)
	}
	if strings.Contains(ack, "Share in channel") || strings.Contains(ack, "No account named") {
		t.Fatalf("/health %s: the answer came in the acknowledgement, not through response_url: %s", text, ack)
	}
	return e.hooks.WaitFor(t, hook)
}

func postJSON(t *testing.T, p bottest.Post) string {
	t.Helper()
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(p.Raw))
}

func TestEndToEndHealthOverHTTP(t *testing.T) {
	t.Parallel()
	e := setupE2E(t)

	card := e.command(t, "Société Générale", "card")
	if card.Message.ResponseType == slack.ResponseTypeInChannel {
		t.Error("the card was posted in the channel; want ephemeral")
	}
	got := postJSON(t, card)
	for _, want := range []string{`"text":"Société Générale"`, "🟡 *55* / 100", "Owner: Bob Stone", "MRR 31,000", "Share in channel"} {
		if !strings.Contains(got, want) {
			t.Errorf("card lacks %q: %s", want, got)
		}
	}

	amb := postJSON(t, e.command(t, "hooli", "ambiguous"))
	if !strings.Contains(amb, "Several accounts match “hooli”") || strings.Count(amb, `"action_id":"health_pick"`) != 2 {
		t.Errorf("ambiguous name: %s", amb)
	}

	unknown := e.command(t, "acmee", "unknown")
	if unknown.Message.Text != "No account named “acmee”. Did you mean: Acme, Acme Labs?" {
		t.Errorf("unknown name text = %q", unknown.Message.Text)
	}

	// Share in channel: the button on the card re-posts it for everyone.
	var share slack.BlockAction
	for _, b := range card.Message.Blocks.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok {
			for _, el := range a.Elements.ElementSet {
				if btn, ok := el.(*slack.ButtonBlockElement); ok && btn.ActionID == blocks.ActionShare {
					share = slack.BlockAction{ActionID: btn.ActionID, BlockID: a.BlockID, Value: btn.Value}
				}
			}
		}
	}
	if share.Value != id(e.world.SocGen.ID) {
		t.Fatalf("share button value = %q, want the account id", share.Value)
	}
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U1", Name: "dana"},
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C1"}}},
		Team:    slack.Team{ID: "T1"}, ResponseURL: e.hooks.URL("share"),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{&share}},
	}
	if status, ack := e.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb)); status != http.StatusOK {
		t.Fatalf("share click: status %d (%s)", status, ack)
	}
	shared := e.hooks.WaitFor(t, "share")
	if shared.Message.ResponseType != slack.ResponseTypeInChannel {
		t.Errorf("shared card response_type = %q, want in_channel", shared.Message.ResponseType)
	}
	var raw struct {
		Blocks []json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(shared.Raw, &raw); err != nil || len(raw.Blocks) == 0 {
		t.Fatalf("shared card has no blocks: %v", err)
	}
	if got := postJSON(t, shared); !strings.Contains(got, "Shared by <@U1>") || strings.Contains(got, blocks.ActionShare) {
		t.Errorf("shared card: %s", got)
	}
}

func TestHomeOpenedPublishesTheView(t *testing.T) {
	t.Parallel()
	st := storetest.Store(t)
	healthtest.New(t, st, testNow).Seed()
	fake := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "users.info" { // Bob is known to healthbot by email only
			return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{
				"id": c.Param("user"), "profile": map[string]any{"email": "bob@example.com"}}}}
		}
		return nil
	})
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	h := health.NewHealth(st, log, func() time.Time { return testNow })
	h.Directory = health.SlackDirectory{Client: api}
	opened := health.HomeOpened{Health: h, Slack: api}

	ev := bot.Event{Type: "app_home_opened", UserID: "U0BOB", Data: &slackevents.AppHomeOpenedEvent{Tab: "home", User: "U0BOB"}}
	if err := opened.HandleEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls("views.publish")
	if len(calls) != 1 || calls[0].Param("user_id") != "U0BOB" {
		t.Fatalf("views.publish calls = %+v", calls)
	}
	view := calls[0].Param("view")
	for _, want := range []string{`"type":"home"`, "Your accounts", "Globex Corporation", "Société Générale"} {
		if !strings.Contains(view, want) {
			t.Errorf("published view lacks %q: %s", want, view)
		}
	}
	// The Messages tab publishes nothing.
	ev.Data = &slackevents.AppHomeOpenedEvent{Tab: "messages", User: "U0BOB"}
	if err := opened.HandleEvent(context.Background(), ev); err != nil || len(fake.Calls("views.publish")) != 1 {
		t.Errorf("messages tab: %v, %d publishes", err, len(fake.Calls("views.publish")))
	}
}

// TestEndToEndHealthOnTheDemoPortfolio runs a signed /health for an account
// of the generated demo portfolio, loaded and scored as `healthbot demo`
// does, through the HTTP transport to the response_url.
func TestEndToEndHealthOnTheDemoPortfolio(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := store.New(storetest.Schema(t))
	asOf := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	p, err := demo.Generate(demo.Config{Seed: 1, Accounts: 40, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.LoadDemo(ctx, store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}, false); err != nil {
		t.Fatal(err)
	}
	sum, err := app.RunScoring(ctx, st, scoring.DefaultScorecards(), asOf.AddDate(0, 0, -1))
	if err != nil || sum.Written == 0 {
		t.Fatalf("scoring the demo: %d written, %v", sum.Written, err)
	}
	e := setupE2EOn(t, st, healthtest.World{}, asOf)

	var live string // the first account still a customer, so it has a score
	for _, a := range p.Accounts {
		if a.ChurnedAt.IsZero() {
			live = a.Name
			break
		}
	}
	got := postJSON(t, e.command(t, live, "demo-card"))
	for _, want := range []string{`"text":"` + live + `"`, "/ 100", "Share in channel", "What pulls it down"} {
		if !strings.Contains(got, want) {
			t.Errorf("card of %s lacks %q: %s", live, want, got)
		}
	}
	acme := p.Accounts[0].Name // the demo's first account is always "Acme Corp"
	typo := postJSON(t, e.command(t, "acme crop", "demo-typo"))
	if !strings.Contains(typo, acme) {
		t.Errorf("a misspelt demo account should still lead to %s: %s", acme, typo)
	}
}

func id(a int64) string { return strconv.FormatInt(a, 10) }
