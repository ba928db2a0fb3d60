package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

var testNow = time.Date(2026, 1, 14, 15, 30, 0, 0, time.UTC)

type bundle struct {
	world healthtest.World
	store *store.Store
	fix   *healthtest.Fixture
}

// setup seeds the healthtest World in a rolled-back transaction and returns
// the /health handler over it.
func setup(t *testing.T) (*health.Health, bundle) {
	t.Helper()
	st := storetest.Store(t)
	fix := healthtest.New(t, st, testNow)
	w := fix.Seed()
	h := health.NewHealth(st, nil, func() time.Time { return testNow })
	// These tests read the lists as text; the data tables and carousels
	// that are the default have their own tests (health_tables_test.go).
	h.TextTables = true
	return h, bundle{world: w, store: st, fix: fix}
}

func ask(t *testing.T, h *health.Health, user, text string) bot.Message {
	t.Helper()
	m, err := h.HandleCommand(context.Background(), bot.Request{UserID: user, Command: "/health", Text: text, ChannelID: "C1"})
	if err != nil {
		t.Fatalf("/health %s: %v", text, err)
	}
	checkMessage(t, text, m)
	return m
}

func checkMessage(t *testing.T, what string, m bot.Message) {
	t.Helper()
	if m.Text == "" {
		t.Errorf("/health %s: no fallback text", what)
	}
	if err := blocks.Check(m.Blocks, blocks.MaxBlocks); err != nil {
		t.Errorf("/health %s: %v", what, err)
	}
}

// render is a message's blocks as JSON without HTML escaping, for substring checks.
func render(t *testing.T, m bot.Message) string {
	t.Helper()
	b, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatal(err)
	}
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}

func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, got)
		}
	}
}

func lacks(t *testing.T, what, got string, nots ...string) {
	t.Helper()
	for _, n := range nots {
		if strings.Contains(got, n) {
			t.Errorf("%s should not contain %q:\n%s", what, n, got)
		}
	}
}

// buttons lists a message's buttons as action id → values.
func buttons(m bot.Message) map[string][]string {
	out := map[string][]string{}
	add := func(b *slack.ButtonBlockElement) { out[b.ActionID] = append(out[b.ActionID], b.Value) }
	for _, b := range m.Blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				add(b.Accessory.ButtonElement)
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					add(btn)
				}
			}
		}
	}
	return out
}

func id(a int64) string { return strconv.FormatInt(a, 10) }

func TestLookup(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	w := b.world
	tests := []struct {
		query       string
		kind        health.MatchKind
		matches     []int64
		suggestions []string
	}{
		{query: "acme", kind: health.MatchExact, matches: []int64{w.Acme.ID}},
		{query: "  ACME ", kind: health.MatchExact, matches: []int64{w.Acme.ID}},
		{query: "acme.io", kind: health.MatchExact, matches: []int64{w.Acme.ID}},
		{query: "CRM-77", kind: health.MatchExact, matches: []int64{w.SocGen.ID}},
		{query: "societe generale", kind: health.MatchExact, matches: []int64{w.SocGen.ID}},
		{query: "SOCIÉTÉ-GÉNÉRALE", kind: health.MatchExact, matches: []int64{w.SocGen.ID}},
		{query: "acmelabs", kind: health.MatchExact, matches: []int64{w.AcmeLabs.ID}},
		{query: "societe", kind: health.MatchPartial, matches: []int64{w.SocGen.ID}},
		{query: "globex", kind: health.MatchPartial, matches: []int64{w.Globex.ID}},
		{query: "socgen", kind: health.MatchPartial, matches: []int64{w.SocGen.ID}}, // the domain's first label
		{query: "acm", kind: health.MatchPartial, matches: []int64{w.Acme.ID, w.AcmeLabs.ID}},
		{query: "hooli", kind: health.MatchExact, matches: []int64{w.HooliEU.ID, w.HooliUS.ID}},
		{query: "acmee", kind: health.MatchFuzzy, suggestions: []string{"Acme", "Acme Labs"}},
		{query: "umbrela", kind: health.MatchFuzzy, suggestions: []string{"Umbrella"}},
		{query: "initehc", kind: health.MatchFuzzy, suggestions: []string{"Initech"}}, // a transposition
		{query: "glbex corporation", kind: health.MatchFuzzy, suggestions: []string{"Globex Corporation"}},
		{query: "zzzzqqq", kind: health.MatchFuzzy},
		{query: "old co", kind: health.MatchExact, matches: []int64{w.OldCo.ID}}, // churned accounts still have cards
	}
	for _, tt := range tests {
		res, err := h.Lookup().Find(context.Background(), tt.query)
		if err != nil {
			t.Fatalf("Find(%q): %v", tt.query, err)
		}
		if res.Kind != tt.kind {
			t.Errorf("Find(%q).Kind = %d, want %d", tt.query, res.Kind, tt.kind)
		}
		var got []int64
		for _, m := range res.Matches {
			got = append(got, m.ID)
		}
		if !sameIDs(got, tt.matches) {
			t.Errorf("Find(%q) matches = %v, want %v", tt.query, got, tt.matches)
		}
		var sugg []string
		for _, s := range res.Suggestions {
			sugg = append(sugg, s.Name)
		}
		if strings.Join(sugg, ",") != strings.Join(tt.suggestions, ",") {
			t.Errorf("Find(%q) suggestions = %v, want %v", tt.query, sugg, tt.suggestions)
		}
	}
}

func sameIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[int64]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestLookupSeesNewAccounts(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	if res, _ := h.Lookup().Find(context.Background(), "Wayne Enterprises"); len(res.Matches) != 0 {
		t.Fatal("found an account that does not exist yet")
	}
	b.fix.Account(scoringAccount("Wayne Enterprises"))
	res, err := h.Lookup().Find(context.Background(), "wayne enterprises")
	if err != nil || len(res.Matches) != 1 {
		t.Fatalf("a new account is not found after the index was built: %+v, %v", res, err)
	}
}

func TestCard(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	m := ask(t, h, "U0JANE", "acme")
	if m.InChannel {
		t.Error("the card is posted in the channel; want ephemeral")
	}
	if m.Text != "Acme: 🔴 35 (Red)" {
		t.Errorf("card text = %q", m.Text)
	}
	got := render(t, m)
	contains(t, "card", got,
		`"text":"Acme"`, "🔴 *35* / 100", "7d ▼ 5", "28d ▼ 21", // deltas from the stored series
		"Owner: <@U0JANE>", "MRR 4,200", "Renews 2026-05-14 (in 120 days)",
		`"type":"data_visualization"`, "Score, last 9 weeks",
		"12th percentile of SMB peers — 4 of 40 seats active", "NPS 30, 70th percentile",
		"😐 Concerning", "champion left", "Champion left; new VP unsure.", "by Jane Doe, today (2026-W03)",
		"Turned red", "48 → 35 in 14 days",
		`"action_id":"health_share","value":"`+id(b.world.Acme.ID)+`"`)
	lacks(t, "card", got, "an old, resolved alert")
}

func TestCardTextCharts(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	h.TextCharts = true
	got := render(t, ask(t, h, "U0JANE", "acme"))
	lacks(t, "card", got, "data_visualization")
	contains(t, "card", got, "9 weeks · 78 → 35")
}

func TestCardNotScoredYet(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	m := ask(t, h, "U0JANE", "initech")
	contains(t, "unscored card", render(t, m), "Not scored yet", "MRR 1,500", "Owner: nobody", "Last pulse*: none yet")
	if m.Text != "Initech: not scored yet" {
		t.Errorf("text = %q", m.Text)
	}
}

func TestAmbiguousAndUnknown(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	m := ask(t, h, "U0JANE", "hooli")
	picks := buttons(m)[blocks.ActionPick]
	if !sameStrings(picks, []string{id(b.world.HooliUS.ID), id(b.world.HooliEU.ID)}) {
		t.Errorf("chooser buttons = %v", picks)
	}
	contains(t, "chooser", render(t, m), "Several accounts match “hooli”", "hooli.com", "hooli.eu")

	m = ask(t, h, "U0JANE", "acmee")
	if m.Text != "No account named “acmee”. Did you mean: Acme, Acme Labs?" {
		t.Errorf("unknown name text = %q", m.Text)
	}
	if picks := buttons(m)[blocks.ActionPick]; !sameStrings(picks, []string{id(b.world.Acme.ID), id(b.world.AcmeLabs.ID)}) {
		t.Errorf("suggestion buttons = %v", picks)
	}
	m = ask(t, h, "U0JANE", "zzzzqqq")
	if m.Text != "No account named “zzzzqqq”." {
		t.Errorf("unknown name text = %q", m.Text)
	}
	contains(t, "unknown", render(t, m), "/health help")
}

func sameStrings(a, b []string) bool {
	return strings.Join(sortStrings(a), ",") == strings.Join(sortStrings(b), ",")
}

func sortStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

func TestPortfolio(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	got := render(t, ask(t, h, "U0JANE", ""))
	contains(t, "portfolio", got, "Portfolio of Jane Doe", "🟢 2 · 🔴 1", "3 accounts", "MRR 47,200",
		"pulse 2026-W03: 1 of 3 answered", "7d ▼ 5 · 28d ▼ 21", "pulse 😐 Concerning", "⏳ pulse due (last Healthy, 2026-W02)",
		"renews in 60 days")
	lacks(t, "portfolio", got, "Globex", "Old Co")
	if a, u := strings.Index(got, "*Acme*"), strings.Index(got, "*Umbrella*"); a < 0 || u < a {
		t.Error("portfolio is not worst first")
	}
}

func TestPortfolioByEmail(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	h.Directory = directory{"U0BOB": "BOB@example.com"}
	got := render(t, ask(t, h, "U0BOB", ""))
	contains(t, "Bob's portfolio", got, "Portfolio of Bob Stone", "Globex Corporation", "Société Générale")
	c, err := b.store.CSMBySlackID(context.Background(), "U0BOB")
	if err != nil || c.ID != b.world.Bob.ID {
		t.Errorf("Bob's Slack id was not linked to his CSM row: %+v, %v", c, err)
	}
}

type directory map[string]string

func (d directory) UserEmail(_ context.Context, user string) (string, error) {
	if e, ok := d[user]; ok {
		return e, nil
	}
	return "", errors.New("no such user")
}

var _ health.UserDirectory = directory{}

func TestPortfolioOfStranger(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	h.Directory = directory{}
	contains(t, "stranger", render(t, ask(t, h, "U0NOBODY", "")), "You don't own any accounts")
}

func TestAtRisk(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	got := render(t, ask(t, h, "U0JANE", "at-risk"))
	contains(t, "at-risk", got, "Accounts at risk", "2 accounts", "MRR 13,200", "*Acme*", "*Globex Corporation*", "28d ▼ 13")
	lacks(t, "at-risk", got, "Société", "Umbrella", "Acme Labs", "Old Co", "Hooli")
	if a, g := strings.Index(got, "*Acme*"), strings.Index(got, "*Globex"); g < a {
		t.Error("at-risk is not worst first")
	}
	contains(t, "at-risk mid-market", render(t, ask(t, h, "U0JANE", "at-risk mid-market")), "Accounts at risk in Mid-Market", "Globex")
	lacks(t, "at-risk mid-market", render(t, ask(t, h, "U0JANE", "at-risk mid-market")), "*Acme*")
	_, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: "at-risk nosuch"})
	contains(t, "at-risk bad segment", healthbot.ErrorMessage(err), "No live accounts in segment “nosuch”", "`Enterprise` (4)", "`SMB` (3)")
}

func TestMovers(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	got := render(t, ask(t, h, "U0JANE", "movers"))
	contains(t, "movers", got, "Biggest movers, last 28 days", "*Acme*", "*Globex Corporation*", "*Umbrella*", "28d ▲ 17")
	drops, rises := strings.Index(got, "Biggest drops"), strings.Index(got, "Biggest rises")
	if a, g, u := strings.Index(got, "*Acme*"), strings.Index(got, "*Globex"), strings.Index(got, "*Umbrella*"); !(drops < a && a < g && g < rises && rises < u) {
		t.Errorf("movers order wrong: drops %d acme %d globex %d rises %d umbrella %d", drops, a, g, rises, u)
	}
	contains(t, "movers 7d", render(t, ask(t, h, "U0JANE", "movers 7d")), "last 7 days")
	_, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: "movers 3y"})
	if !errors.Is(err, health.ErrUsage) || healthbot.ErrorCode(err) != healthbot.EINVALID || !strings.Contains(healthbot.ErrorMessage(err), "7d") {
		t.Errorf("movers 3y: %v", err)
	}
}

func TestRenewals(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	got := render(t, ask(t, h, "U0JANE", "renewals"))
	// Unscored Initech is no renewal at risk (scoring.RenewalAtRisk: red or
	// yellow); it lists before Umbrella by date.
	contains(t, "renewals", got, "Renewals in the next 90 days", "2 renewals · MRR 19,500 · at risk (red or yellow): 0 with MRR 0",
		"*Initech*", "*Umbrella*", "renews 2026-02-13 (in 30 days)")
	if i, u := strings.Index(got, "*Initech*"), strings.Index(got, "*Umbrella*"); u < i {
		t.Error("renewals: not in date order")
	}
	got = render(t, ask(t, h, "U0JANE", "renewals 6m"))
	contains(t, "renewals 6m at risk", got, "at risk (red or yellow): 1 ")
	got = render(t, ask(t, h, "U0JANE", "renewals 45d"))
	contains(t, "renewals 45d", got, "next 45 days", "*Initech*")
	lacks(t, "renewals 45d", got, "Umbrella")
	got = render(t, ask(t, h, "U0JANE", "renewals 6m"))
	contains(t, "renewals 6m", got, "next 180 days", "*Acme*")
	for _, bad := range []string{"renewals abc", "renewals 0", "renewals 5000d"} {
		_, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: bad})
		if !errors.Is(err, health.ErrUsage) {
			t.Errorf("%s: err = %v, want a usage error", bad, err)
		}
	}
}

func TestSegment(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	got := render(t, ask(t, h, "U0JANE", "segment enterprise"))
	contains(t, "segment", got, "Segment Enterprise", "4 live accounts", "MRR 86,000", "*Société Générale*", "*Acme Labs*", "*Umbrella*", "*Hooli*")
	lacks(t, "segment", got, "*Acme*", "Globex", "· Enterprise") // lines don't repeat the segment
	_, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: "segment"})
	if !errors.Is(err, health.ErrUsage) {
		t.Errorf("segment without a name: %v", err)
	}
	contains(t, "segment without a name", healthbot.ErrorMessage(err), "Which segment?", "`Mid-Market` (2)")
}

func TestHelpListsRegisteredSubcommands(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	h.Register(health.Subcommand{Name: "pulse", Usage: "pulse ACCOUNT RATING [note]", Summary: "record a pulse",
		Run: func(_ context.Context, c health.HealthCall) (bot.Message, error) {
			return bot.Message{Text: "pulse got " + c.Args}, nil
		}})
	got := render(t, ask(t, h, "U0JANE", "help"))
	contains(t, "help", got, "/health at-risk [SEGMENT]", "/health renewals [90d]", "/health segment NAME", "/health pulse ACCOUNT RATING [note]")
	m, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: "Pulse acme poor  champion left "})
	if err != nil || m.Text != "pulse got acme poor  champion left" {
		t.Errorf("registered subcommand: %q, %v", m.Text, err)
	}
}

func TestExactAccountBeatsSubcommand(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	if m := ask(t, h, "U0JANE", "movers inc"); !strings.HasPrefix(m.Text, "Movers Inc:") {
		t.Errorf("/health movers inc = %q, want the Movers Inc card", m.Text)
	}
}

type questioner struct {
	ask func(ctx context.Context, req bot.Request) (bot.Message, error)
}

func (q questioner) Ask(ctx context.Context, req bot.Request) (bot.Message, error) {
	return q.ask(ctx, req)
}

var _ health.Questioner = questioner{}

func TestQuestionFallback(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	var asked []string
	h.Questioner = questioner{ask: func(_ context.Context, req bot.Request) (bot.Message, error) {
		asked = append(asked, req.Text)
		return bot.Message{Text: "answer"}, nil
	}}
	for text, wantAsked := range map[string]bool{
		"which enterprise accounts renew this quarter?": true,
		"zzzzqqq":                              true,  // no account close to it
		"acmee":                                false, // a misspelt name: suggestions, not the model
		"hooli":                                false, // ambiguous: a chooser
		"acme":                                 false,
		"how is acme labs":                     true,
		"renewals at risk in the next 2 weeks": true,  // arguments renewals cannot read
		"at-risk accounts owned by bob":        true,  // no such segment
		"renewals 30d":                         false, // a subcommand that understood
		"segment":                              false, // nothing to ask: the usage error stands
	} {
		asked = nil
		m, err := h.HandleCommand(context.Background(), bot.Request{UserID: "U0JANE", Text: text})
		if err != nil && text != "segment" {
			t.Fatalf("%s: %v", text, err)
		}
		if (len(asked) == 1) != wantAsked || (wantAsked && (asked[0] != text || m.Text != "answer")) {
			t.Errorf("%q: asked %v, reply %q; want asked=%v", text, asked, m.Text, wantAsked)
		}
	}
	contains(t, "help with a questioner", render(t, ask(t, h, "U0JANE", "help")), "answered as a question")
}

func TestActions(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	ctx := context.Background()
	acme := id(b.world.Acme.ID)
	act := func(actionID, value string) (bot.Message, error) {
		return h.HandleAction(ctx, bot.Action{Request: bot.Request{UserID: "U0BOB", Command: "/health", ChannelID: "C1"}, ActionID: actionID, Value: value})
	}
	m, err := act(blocks.ActionShare, acme)
	if err != nil || !m.InChannel || m.ReplaceOriginal {
		t.Fatalf("share: %+v, %v", m, err)
	}
	got := render(t, m)
	contains(t, "shared card", got, "Shared by <@U0BOB>", "🔴 *35*")
	lacks(t, "shared card", got, blocks.ActionShare)

	m, err = act(blocks.ActionPick, acme)
	if err != nil || !m.ReplaceOriginal || m.InChannel || m.Text != "Acme: 🔴 35 (Red)" {
		t.Errorf("pick: %+v, %v", m, err)
	}
	m, err = act(blocks.ActionOpenCard, acme)
	if err != nil || m.ReplaceOriginal || m.InChannel || m.Text != "Acme: 🔴 35 (Red)" {
		t.Errorf("open card: %+v, %v", m, err)
	}
	for _, bad := range [][2]string{{blocks.ActionShare, "x"}, {blocks.ActionPick, "-1"}, {blocks.ActionNext, "nope"}, {"health_other", "1"}} {
		if _, err := act(bad[0], bad[1]); healthbot.ErrorMessage(err) == healthbot.InternalMessage || err == nil {
			t.Errorf("%s %q: err = %v, want a user error", bad[0], bad[1], err)
		}
	}
	if _, err := act(blocks.ActionPick, "999999999"); healthbot.ErrorCode(err) != healthbot.ENOTFOUND {
		t.Errorf("pick of a deleted account: %v", err)
	}
	for _, a := range h.ActionIDs() {
		if !strings.HasPrefix(a, blocks.ActionPrefix) {
			t.Errorf("action id %q lacks the prefix routers use", a)
		}
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	h, b := setup(t)
	for i := range 45 {
		a := scoringAccount("Bulk " + strconv.Itoa(100+i))
		a.Owner = b.world.Jane
		a = b.fix.Account(a)
		b.fix.Series(a.ID, float64(i))
	}
	first := ask(t, h, "U0JANE", "")
	next := buttons(first)[blocks.ActionNext]
	if len(next) != 1 || next[0] != "20|" {
		t.Fatalf("first page Next = %v", next)
	}
	contains(t, "page 1", render(t, first), "1–20 of 48", "*Bulk 100*")
	m, err := h.HandleAction(context.Background(), bot.Action{Request: bot.Request{UserID: "U0JANE"}, ActionID: blocks.ActionNext, Value: next[0]})
	if err != nil || !m.ReplaceOriginal {
		t.Fatalf("next: %+v, %v", m, err)
	}
	checkMessage(t, "page 2", m)
	got := render(t, m)
	contains(t, "page 2", got, "21–40 of 48", "*Bulk 120*")
	lacks(t, "page 2", got, "*Bulk 100*")
	if prev := buttons(m)[blocks.ActionPrev]; len(prev) != 1 || prev[0] != "0|" {
		t.Errorf("page 2 Previous = %v", prev)
	}
	// A stale offset past the end shows the last page.
	m, err = h.HandleAction(context.Background(), bot.Action{Request: bot.Request{UserID: "U0JANE"}, ActionID: blocks.ActionNext, Value: "400|"})
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "stale page", render(t, m), "41–48 of 48")
}

func TestHomeView(t *testing.T) {
	t.Parallel()
	h, _ := setup(t)
	v, err := h.HomeView(context.Background(), "U0JANE")
	if err != nil {
		t.Fatal(err)
	}
	if v.Type != slack.VTHomeTab {
		t.Errorf("view type %q", v.Type)
	}
	if err := blocks.Check(v.Blocks.BlockSet, blocks.MaxHomeBlocks); err != nil {
		t.Error(err)
	}
	got := render(t, bot.Message{Blocks: v.Blocks.BlockSet})
	contains(t, "home", got, "Your accounts", "pulse 2026-W03: 1 of 3 answered", "🔴 *Red* (1)", "🟢 *Green* (2)", "*Acme*", "*Umbrella*")
	if r, g := strings.Index(got, "*Red*"), strings.Index(got, "*Green*"); g < r {
		t.Error("home: green before red")
	}
	v, err = h.HomeView(context.Background(), "U0NOBODY")
	if err != nil {
		t.Fatal(err)
	}
	contains(t, "empty home", render(t, bot.Message{Blocks: v.Blocks.BlockSet}), "You don't own any live accounts")
}

func TestLookupForgetsDeletedAccountsAfterMaxAge(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	now := testNow
	l := health.NewLookup(b.store, func() time.Time { return now })
	find := func() int {
		res, err := l.Find(context.Background(), "initech")
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Matches)
	}
	if find() != 1 {
		t.Fatal("initech not found")
	}
	if _, err := b.store.DB().Exec(context.Background(), "DELETE FROM account WHERE id = $1", b.world.Initech.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(health.LookupMaxAge + time.Second)
	if find() != 0 {
		t.Error("a deleted account is still found after LookupMaxAge")
	}
}

func scoringAccount(name string) scoring.Account {
	return scoring.Account{Name: name, ExternalID: "x-" + name, Segment: "SMB"}
}
