package bot_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// The people and channels of the access tests, as the fake Slack knows
// them: U1 is a full member of T1 (and of @cs-team), UOUT a full member
// outside @cs-team, UGUEST a guest, UEXT a Slack Connect user of T9.
// CSHARED is a Slack Connect channel, DEXT a Slack Connect DM.
func accessSlack(c bottest.Call) *bottest.Reply {
	ok := func(body map[string]any) *bottest.Reply {
		body["ok"] = true
		return &bottest.Reply{Body: body}
	}
	switch c.Method {
	case "users.info":
		u := map[string]any{"id": c.Param("user"), "team_id": "T1", "name": strings.ToLower(c.Param("user"))}
		switch c.Param("user") {
		case "UGUEST":
			u["is_restricted"] = true
		case "UEXT":
			u["team_id"], u["is_stranger"] = "T9", true
		}
		return ok(map[string]any{"user": u})
	case "conversations.info":
		ch := map[string]any{"id": c.Param("channel")}
		switch c.Param("channel") {
		case "CSHARED":
			ch["is_channel"], ch["is_shared"], ch["is_ext_shared"] = true, true, true
		case "DEXT":
			ch["is_im"], ch["is_ext_shared"] = true, true
		case "COLD": // shared with another organisation, as Slack reported it before is_ext_shared
			ch["is_channel"], ch["is_shared"] = true, true
		}
		return ok(map[string]any{"channel": ch})
	case "usergroups.list":
		return ok(map[string]any{"usergroups": []map[string]any{{"id": "S1", "handle": "cs-team", "name": "CS team"}}})
	case "usergroups.users.list":
		return ok(map[string]any{"users": []string{"U1"}})
	}
	return nil
}

type accessE2E struct {
	e2e
	st     *store.Store
	fake   *bottest.Slack
	router *bot.Router
}

// setupAccessE2E serves the real HTTP transport, router and Gate (Slack
// lookups through the fake, audit rows in Postgres) with /health on
// commands, mentions, DMs, its buttons and the App Home.
func setupAccessE2E(t *testing.T, allowedGroups ...string) accessE2E {
	t.Helper()
	st := store.New(storetest.Schema(t))
	w := healthtest.New(t, st, testNow).Seed()
	fake := bottest.NewSlack(t, accessSlack)
	log := slog.New(slog.DiscardHandler)
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, log)
	gate := access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}, Audit: access.StoreAudit{Store: st}, AllowedGroups: allowedGroups})
	router := bot.NewRouter(bot.RouterOptions{Logger: log, Responder: bot.NewSlackResponder(api, nil, nil, log), Access: gate})
	h := health.NewHealth(st, log, func() time.Time { return testNow })
	router.Command("/health", h)
	router.Conversation(h)
	for _, id := range h.ActionIDs() {
		router.Action(id, h)
	}
	router.Event("app_home_opened", health.HomeOpened{Health: h, Slack: api})
	router.Event("link_shared", health.Unfurls{Health: h, Slack: api, Guard: gate, Log: log})
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
	return accessE2E{e2e: e2e{base: srv.URL, hooks: bottest.NewCatcher(t), world: w}, st: st, fake: fake, router: router}
}

// commandAs sends "/health text" from user in channel; the answer goes to
// the response_url named hook.
func (a accessE2E) commandAs(t *testing.T, user, team, channel, text, hook string) bottest.Post {
	t.Helper()
	cmd := bottest.Command(text, a.hooks.URL(hook))
	cmd.UserID, cmd.TeamID, cmd.ChannelID = user, team, channel
	if status, ack := a.post(t, "/slack/commands", bottest.FormContent, bottest.CommandBody(cmd)); status != http.StatusOK || ack != "" {
		t.Fatalf("/health %s as %s: %d %q", text, user, status, ack)
	}
	return a.hooks.WaitFor(t, hook)
}

func (a accessE2E) event(t *testing.T, id string, inner map[string]any) {
	t.Helper()
	if status, body := a.post(t, "/slack/events", bottest.JSONContent, bottest.EventBody(t, id, inner)); status != http.StatusOK {
		t.Fatalf("event %s: %d %s", id, status, body)
	}
}

func (a accessE2E) click(t *testing.T, user, userTeam, channel, actionID, value, hook string) bottest.Post {
	t.Helper()
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user, TeamID: userTeam},
		Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: channel}}},
		Team:    slack.Team{ID: "T1"}, ResponseURL: a.hooks.URL(hook),
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: actionID, Value: value}}},
	}
	if status, ack := a.post(t, "/slack/interactivity", bottest.FormContent, bottest.InteractionBody(t, cb)); status != http.StatusOK {
		t.Fatalf("click %s as %s: %d %s", actionID, user, status, ack)
	}
	return a.hooks.WaitFor(t, hook)
}

func (a accessE2E) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), bottest.Timeout)
	defer cancel()
	if err := a.router.Idle(ctx); err != nil {
		t.Fatal(err)
	}
}

// leaks lists the account names, owners and numbers of the seeded world
// found in everything sent to Slack so far: Web API calls and
// response_url posts.
func (a accessE2E) leaks(t *testing.T) []string {
	t.Helper()
	var sent []string
	for _, c := range a.fake.Calls("") {
		sent = append(sent, unescape(c))
	}
	for _, p := range a.hooks.Posts() {
		sent = append(sent, postJSON(t, p))
	}
	all := strings.Join(sent, "\n")
	var found []string
	for _, s := range []string{"Acme", "Société", "Soci\\u00e9t\\u00e9", "Globex", "Initech", "Umbrella", "Hooli", "Movers", "Old Co",
		"Jane", "Bob Stone", "crm-", "4,200", "25,000", "31,000", "9,000", "/ 100", "MRR", "Champion"} {
		if strings.Contains(all, s) {
			found = append(found, s)
		}
	}
	return found
}

// unescape is what a Web API call sent, its form or JSON decoded, to find
// names in.
func unescape(c bottest.Call) string {
	s, err := url.QueryUnescape(string(c.Body))
	if err != nil {
		s = string(c.Body)
	}
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

// brief is a call in a line: method, channel, user and text.
func brief(cs []bottest.Call) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Method + " channel=" + c.Param("channel") + " user=" + c.Param("user") + " text=" + c.Param("text")
	}
	return out
}

// audit returns the audit rows of user, oldest first.
func (a accessE2E) audit(t *testing.T, user string) []store.AccessRecord {
	t.Helper()
	rows, err := a.st.AccessLog(context.Background(), store.AccessQuery{UserID: user})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(rows)
	return rows
}

func wantRefusal(t *testing.T, rows []store.AccessRecord, surface access.Surface, reason access.Reason) {
	t.Helper()
	for _, r := range rows {
		if !r.Allowed && r.Surface == string(surface) && r.Reason == string(reason) && len(r.AccountIDs) == 0 {
			return
		}
	}
	t.Errorf("no audit row refusing %s for %s in %+v", surface, reason, rows)
}

// TestAccessRefusesOutsidersOnEverySurface: a Slack Connect user's mention
// in a shared channel, a guest's slash command, a Slack Connect DM, an
// outsider's click on a shared card and a guest opening the App Home get
// no account data — nothing anywhere in what reached Slack names an
// account — and each leaves an audit row; a member still gets cards.
func TestAccessRefusesOutsidersOnEverySurface(t *testing.T) {
	t.Parallel()
	a := setupAccessE2E(t)
	acme := id(a.world.Acme.ID)

	// An external user mentions the bot with an account name in a shared channel: ignored.
	a.event(t, "Ev1", map[string]any{"type": "app_mention", "user": "UEXT", "user_team": "T9", "team": "T9",
		"text": "<@UBOT> acme", "ts": "1700000001.000100", "channel": "CSHARED", "event_ts": "1700000001.000100"})
	// A guest's slash command: a neutral refusal.
	guest := a.commandAs(t, "UGUEST", "T1", "C1", "acme", "guest")
	// A Slack Connect DM to the bot: a neutral refusal in the DM.
	a.event(t, "Ev2", map[string]any{"type": "message", "channel_type": "im", "user": "UEXT", "user_team": "T9",
		"text": "how is acme doing?", "ts": "1700000002.000100", "channel": "DEXT", "event_ts": "1700000002.000100"})
	// An external user clicks Open card and Share in channel on a shared message.
	open := a.click(t, "UEXT", "T9", "CSHARED", blocks.ActionOpenCard, acme, "ext-open")
	share := a.click(t, "UEXT", "T9", "CSHARED", blocks.ActionShare, acme, "ext-share")
	// A guest opens the App Home.
	a.event(t, "Ev3", map[string]any{"type": "app_home_opened", "user": "UGUEST", "channel": "DGUEST", "tab": "home", "event_ts": "1700000003.000100"})
	a.idle(t)

	for name, p := range map[string]bottest.Post{"guest command": guest, "external open card": open, "external share": share} {
		if p.Message.Text != access.RefusedText || p.Message.ResponseType == slack.ResponseTypeInChannel || p.Message.Blocks != nil {
			t.Errorf("%s answered %q (%s), want the ephemeral refusal", name, p.Message.Text, p.Message.ResponseType)
		}
	}
	dms := a.fake.Calls("chat.postMessage")
	if len(dms) != 1 || dms[0].Param("channel") != "DEXT" || dms[0].Param("text") != access.RefusedText {
		t.Errorf("chat.postMessage calls = %q, want one refusal in DEXT", brief(dms))
	}
	if eph := a.fake.Calls("chat.postEphemeral"); len(eph) != 0 {
		t.Errorf("the external mention in a shared channel was answered: %q", brief(eph))
	}
	views := a.fake.Calls("views.publish")
	if len(views) != 1 || views[0].Param("user_id") != "UGUEST" || !strings.Contains(views[0].Param("view"), "only available to the customer success team") {
		t.Errorf("views.publish = %q, want the guest's neutral Home", brief(views))
	}
	if leaked := a.leaks(t); len(leaked) > 0 {
		t.Fatalf("account data reached Slack for refused users: %q", leaked)
	}
	ext := a.audit(t, "UEXT")
	wantRefusal(t, ext, access.SurfaceMention, access.ReasonExternal)
	wantRefusal(t, ext, access.SurfaceDM, access.ReasonExternal)
	wantRefusal(t, ext, access.SurfaceAction, access.ReasonExternal)
	guests := a.audit(t, "UGUEST")
	wantRefusal(t, guests, access.SurfaceCommand, access.ReasonGuest)
	wantRefusal(t, guests, access.SurfaceEvent, access.ReasonGuest)
	if len(ext) != 4 || len(guests) != 2 {
		t.Errorf("audit rows: %d for UEXT, %d for UGUEST; want 4 and 2", len(ext), len(guests))
	}

	// A member still gets the card, and the audit says which account.
	card := postJSON(t, a.commandAs(t, "U1", "T1", "C1", "acme", "member"))
	if !strings.Contains(card, `"text":"Acme"`) || !strings.Contains(card, "Share in channel") {
		t.Errorf("member's card: %s", card)
	}
	a.idle(t)
	mine := a.audit(t, "U1")
	if len(mine) != 1 || !mine[0].Allowed || mine[0].Surface != "command" || !slices.Equal(mine[0].AccountIDs, []int64{a.world.Acme.ID}) {
		t.Errorf("member's audit rows = %+v, want one allowed command showing Acme", mine)
	}
}

// TestAccessAllowedGroups: with HEALTHBOT_ALLOWED_GROUPS, a full member
// outside the groups is refused; a member of @cs-team gets the card.
func TestAccessAllowedGroups(t *testing.T) {
	t.Parallel()
	a := setupAccessE2E(t, "@cs-team")
	out := a.commandAs(t, "UOUT", "T1", "C1", "Globex Corporation", "out")
	a.idle(t)
	if out.Message.Text != access.RefusedText {
		t.Errorf("non-member answered %q", out.Message.Text)
	}
	if leaked := a.leaks(t); len(leaked) > 0 {
		t.Fatalf("account data reached Slack for a non-member: %q", leaked)
	}
	wantRefusal(t, a.audit(t, "UOUT"), access.SurfaceCommand, access.ReasonNotInGroup)
	if n := len(a.fake.Calls("usergroups.list")); n != 1 {
		t.Errorf("usergroups.list called %d times, want 1 (the handle is resolved once)", n)
	}

	in := postJSON(t, a.commandAs(t, "U1", "T1", "C1", "Globex Corporation", "in"))
	if !strings.Contains(in, `"text":"Globex Corporation"`) {
		t.Errorf("a member of @cs-team: %s", in)
	}
	// A list is audited with the accounts it showed.
	a.commandAs(t, "U1", "T1", "C1", "at-risk", "list")
	a.idle(t)
	rows := a.audit(t, "U1")
	if len(rows) != 2 || !slices.Equal(rows[0].AccountIDs, []int64{a.world.Globex.ID}) ||
		!slices.Contains(rows[1].AccountIDs, a.world.Acme.ID) || slices.Contains(rows[1].AccountIDs, a.world.AcmeLabs.ID) {
		t.Errorf("member's audit rows = %+v, want the Globex card, then at-risk with Acme (red) and not Acme Labs (green)", rows)
	}
}

// TestAccessSharedChannels: a member may look at cards in a Slack Connect
// channel (ephemeral), but Share in channel is refused saying why, and a
// mention there is answered only to the member, with no account data in
// the thread.
func TestAccessSharedChannels(t *testing.T) {
	t.Parallel()
	a := setupAccessE2E(t)
	card := a.commandAs(t, "U1", "T1", "CSHARED", "acme", "card")
	if card.Message.ResponseType == slack.ResponseTypeInChannel || !strings.Contains(postJSON(t, card), `"text":"Acme"`) {
		t.Fatalf("ephemeral card for the member: %s", postJSON(t, card))
	}
	share := a.click(t, "U1", "T1", "CSHARED", blocks.ActionShare, id(a.world.Acme.ID), "share")
	if share.Message.Text != bot.ShareRefusedText || share.Message.ResponseType == slack.ResponseTypeInChannel || share.Message.Blocks != nil {
		t.Errorf("share into a shared channel: %q (%s)", share.Message.Text, share.Message.ResponseType)
	}
	a.event(t, "Ev1", map[string]any{"type": "app_mention", "user": "U1", "user_team": "T1",
		"text": "<@UBOT> acme", "ts": "1700000001.000100", "channel": "CSHARED", "event_ts": "1700000001.000100"})
	a.idle(t)
	if posts := a.fake.Calls("chat.postMessage"); len(posts) != 0 {
		t.Errorf("posted into the shared channel: %q", brief(posts))
	}
	eph := a.fake.Calls("chat.postEphemeral")
	if len(eph) != 1 || eph[0].Param("user") != "U1" || eph[0].Param("text") != access.SharedChannelText {
		t.Errorf("mention in a shared channel: %q, want one ephemeral explanation to U1", brief(eph))
	}
	rows := a.audit(t, "U1")
	wantRefusal(t, rows, access.SurfaceAction, access.ReasonSharedChan)
	wantRefusal(t, rows, access.SurfaceMention, access.ReasonSharedChan)

	// In an internal channel the same mention is answered in its thread.
	a.event(t, "Ev2", map[string]any{"type": "app_mention", "user": "U1", "user_team": "T1",
		"text": "<@UBOT> acme", "ts": "1700000002.000100", "channel": "C1", "event_ts": "1700000002.000100"})
	posts := a.fake.WaitCalls(t, "chat.postMessage", 1)
	if posts[0].Param("channel") != "C1" || !strings.Contains(unescape(posts[0]), "Acme") {
		t.Errorf("mention in an internal channel: %q", brief(posts))
	}
}

// TestAccessUnfurls: a guest's link to a customer's domain is not
// unfurled, nor is a member's in a channel shared the old way (is_shared
// without is_org_shared); a member's in an internal channel is, and audited.
func TestAccessUnfurls(t *testing.T) {
	t.Parallel()
	a := setupAccessE2E(t)
	link := func(id, user, channel string) {
		a.event(t, id, map[string]any{"type": "link_shared", "channel": channel, "user": user, "message_ts": "1768400000.000100",
			"links": []map[string]string{{"url": "https://app.acme.io/settings", "domain": "acme.io"}}})
	}
	link("Ev1", "UGUEST", "C1")
	link("Ev2", "U1", "COLD")
	a.idle(t)
	if n := len(a.fake.Calls("chat.unfurl")); n != 0 {
		t.Fatalf("%d chat.unfurl calls for a guest and a shared channel", n)
	}
	if leaked := a.leaks(t); len(leaked) > 0 {
		t.Fatalf("account data reached Slack: %q", leaked)
	}
	wantRefusal(t, a.audit(t, "UGUEST"), access.SurfaceEvent, access.ReasonGuest)

	link("Ev3", "U1", "C1")
	a.fake.WaitCalls(t, "chat.unfurl", 1)
	a.idle(t)
	rows := a.audit(t, "U1")
	if last := rows[len(rows)-1]; !last.Allowed || last.Surface != "event" || !slices.Equal(last.AccountIDs, []int64{a.world.Acme.ID}) {
		t.Errorf("member's unfurl audit = %+v", last)
	}
}
