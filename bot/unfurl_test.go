package bot_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// setupUnfurls serves the real HTTP transport with the link_shared handler
// over the healthtest World; shared lists the channels Slack reports as
// shared with another organisation.
func setupUnfurls(t *testing.T, shared ...string) (string, *bottest.Slack, *bot.Router) {
	return setupUnfurlsWith(t, nil, shared...)
}

// setupUnfurlsWith is setupUnfurls with a reply override for the fake Slack.
func setupUnfurlsWith(t *testing.T, reply bottest.ReplyFunc, shared ...string) (string, *bottest.Slack, *bot.Router) {
	t.Helper()
	st := store.New(storetest.Schema(t))
	now := time.Date(2026, 1, 14, 15, 30, 0, 0, time.UTC)
	healthtest.New(t, st, now).Seed()
	// Globex's CRM record, as an import would store the column.
	if _, err := st.DB().Exec(context.Background(),
		`UPDATE account SET attributes = '{"crm_url": "https://crm.example.com/companies/42/"}' WHERE external_id = 'crm-4'`); err != nil {
		t.Fatal(err)
	}
	fake := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "conversations.info" {
			ext := false
			for _, s := range shared {
				ext = ext || c.Param("channel") == s
			}
			return &bottest.Reply{Body: map[string]any{"ok": true, "channel": map[string]any{"id": c.Param("channel"), "is_ext_shared": ext}}}
		}
		if reply != nil {
			return reply(c)
		}
		return nil
	})
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	router := bot.NewRouter(bot.RouterOptions{Logger: log})
	h := health.NewHealth(st, log, func() time.Time { return now })
	router.Event("link_shared", health.Unfurls{Health: h, Slack: api, Guard: access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}}), Log: log})
	mux := http.NewServeMux()
	bot.NewHTTPTransport(router, e2eSecret, bot.HTTPOptions{}).Mount(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
		defer cancel()
		_ = router.Close(ctx)
	})
	return srv.URL, fake, router
}

func linkShared(t *testing.T, base, eventID, channel string, urls ...string) {
	t.Helper()
	var links []map[string]string
	for _, u := range urls {
		links = append(links, map[string]string{"url": u, "domain": strings.Split(strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "www."), "/")[0]})
	}
	body := bottest.EventBody(t, eventID, map[string]any{
		"type": "link_shared", "channel": channel, "user": "U0JANE", "message_ts": "1768400000.000100", "links": links,
	})
	resp, err := http.DefaultClient.Do(bottest.SignedRequest(t, base+"/slack/events", e2eSecret, time.Now(), "application/json", body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("link_shared: status %d", resp.StatusCode)
	}
}

// A link to a known account's domain (here a page on a subdomain) is
// unfurled with its score in one chat.unfurl call; a link to no account is
// left alone.
func TestLinkSharedUnfurlsTheAccountsHealth(t *testing.T) {
	t.Parallel()
	base, fake, _ := setupUnfurls(t)
	linkShared(t, base, "Ev1", "C1", "https://app.acme.io/settings", "https://unknown.example/x")
	calls := fake.WaitCalls(t, "chat.unfurl", 1)
	if len(calls) != 1 {
		t.Fatalf("%d chat.unfurl calls", len(calls))
	}
	c := calls[0]
	if c.Param("channel") != "C1" || c.Param("ts") != "1768400000.000100" {
		t.Errorf("unfurl of channel %q ts %q", c.Param("channel"), c.Param("ts"))
	}
	var unfurls map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c.Param("unfurls")), &unfurls); err != nil {
		t.Fatalf("unfurls %q: %v", c.Param("unfurls"), err)
	}
	if len(unfurls) != 1 {
		t.Fatalf("unfurled %d links, want only the account's: %s", len(unfurls), c.Param("unfurls"))
	}
	if m := c.Param("metadata"); !strings.Contains(m, `"entity_type":"slack#/entities/item"`) || !strings.Contains(m, `"id":"crm-1"`) {
		t.Errorf("the unfurl carries no Work Object for the account: %s", m)
	}
	got := string(unfurls["https://app.acme.io/settings"])
	for _, want := range []string{"*Acme*", "🔴 *35* / 100", "Red", "Pulling it down: Active users", "health_open_card"} {
		if !strings.Contains(got, want) {
			t.Errorf("unfurl lacks %q: %s", want, got)
		}
	}
}

// Nothing is unfurled in a channel shared with another organisation: the
// customer would see their own health score.
func TestLinkSharedInAnExternallySharedChannelIsNotUnfurled(t *testing.T) {
	t.Parallel()
	base, fake, router := setupUnfurls(t, "CSHARED")
	linkShared(t, base, "Ev2", "CSHARED", "https://acme.io")
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	if err := router.Close(ctx); err != nil { // waits for the handler
		t.Fatal(err)
	}
	if len(fake.Calls("conversations.info")) != 1 {
		t.Fatal("the channel was not checked")
	}
	if n := len(fake.Calls("chat.unfurl")); n != 0 {
		t.Fatalf("%d unfurls in an externally shared channel", n)
	}
}

// A link to an account's CRM record (its crm_url attribute, any page under
// it) unfurls that account; a record id that only starts the same does not.
func TestLinkSharedUnfurlsACRMRecord(t *testing.T) {
	t.Parallel()
	base, fake, _ := setupUnfurls(t)
	linkShared(t, base, "Ev4", "C1", "https://crm.example.com/companies/42/deals?tab=open", "https://crm.example.com/companies/421")
	c := fake.WaitCalls(t, "chat.unfurl", 1)[0]
	var unfurls map[string]json.RawMessage
	if err := json.Unmarshal([]byte(c.Param("unfurls")), &unfurls); err != nil {
		t.Fatal(err)
	}
	if len(unfurls) != 1 || !strings.Contains(string(unfurls["https://crm.example.com/companies/42/deals?tab=open"]), "*Globex Corporation*") {
		t.Errorf("unfurls = %s", c.Param("unfurls"))
	}
}

// A workspace whose app has no Work Object previews refuses the metadata;
// the link is unfurled with blocks alone.
func TestLinkSharedFallsBackToBlocksWithoutWorkObjects(t *testing.T) {
	t.Parallel()
	base, fake, _ := setupUnfurlsWith(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.unfurl" && c.Param("metadata") != "" {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "invalid_metadata"}}
		}
		return nil
	})
	linkShared(t, base, "Ev5", "C1", "https://acme.io/pricing")
	calls := fake.WaitCalls(t, "chat.unfurl", 2)
	if calls[1].Param("metadata") != "" || !strings.Contains(calls[1].Param("unfurls"), "*Acme*") {
		t.Errorf("second unfurl: metadata %q, unfurls %s", calls[1].Param("metadata"), calls[1].Param("unfurls"))
	}
}
