package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/console"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/store/storetest"
)

var now = time.Date(2026, 1, 14, 15, 30, 0, 0, time.UTC)

// setup returns a REPL over the /health handler on the healthtest World,
// typing as Jane, and the buffer it prints to.
func setup(t *testing.T, input string) (*console.REPL, *bytes.Buffer, healthtest.World) {
	t.Helper()
	st := storetest.Store(t)
	w := healthtest.New(t, st, now).Seed()
	h := health.NewHealth(st, nil, func() time.Time { return now })
	h.TextTables = true // a terminal shows lists as text
	var out bytes.Buffer
	return &console.REPL{Handler: h, Home: h, As: bot.Request{UserID: "U0JANE", ChannelID: "console"},
		In: strings.NewReader(input), Out: &out}, &out, w
}

func TestConsoleCard(t *testing.T) {
	t.Parallel()
	r, out, _ := setup(t, "/health acme\n1\n")
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Acme\n====\n",
		"🔴 35 / 100 · Red · 7d ▼ 5 · 28d ▼ 21\nas of 2026-01-14 · scorecard default · confidence 80%\n",
		"  SMB · Owner: @U0JANE · MRR 4,200 · Renews 2026-05-14 (in 120 days)",
		"[chart] Score, last 9 weeks\n  Score ▆▆▆▅▅▅▄▄▃  Nov 19 78 → Jan 14 35  (low 35, high 78)\n",
		"  Usage  21 `██░░░░░░░░`   |   Engagement  44",
		"• Active users: 12th percentile of SMB peers — 4 of 40 seats active (-11.4 pts)",
		"Last pulse: 😐 Concerning — champion left\nby Jane Doe, today (2026-W03)\n> Champion left; new VP unsure.\n",
		"• 🔔 Turned red — 48 → 35 in 14 days: active users −9 (3 days ago)",
		"[1: Share in channel]\n",
		"(posted in the channel)\nAcme\n====\n", // clicking 1 shares the card
		"  Shared by @U0JANE\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "*") || strings.Contains(got, "<@") || strings.Contains(got, "&gt;") {
		t.Errorf("console output still has mrkdwn markup:\n%s", got)
	}
}

func TestConsoleChooserClickAndHome(t *testing.T) {
	t.Parallel()
	r, out, _ := setup(t, "hooli\nclick 2\nclick 9\nhome\n/health movers 3y\nhelp\nquit\n/health acme\n")
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"Several accounts match “hooli”. Which one?\n",
		"[1: Show card]", "[2: Show card]",
		"(replaces the message above)\nHooli\n=====\n",
		"No button \"9\" on the last message (it has 1).",
		"(App Home)\nYour accounts\n",
		"⚠️  `/health movers` takes `7d` or `28d`, not “3y”.",
		"click button 3 of the last message",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
	if strings.Count(got, "Acme") > 0 && strings.Contains(got, "Renews 2026-05-14") {
		t.Error("the console went on after quit")
	}
}

type panicky struct{ console.Handler }

func (panicky) HandleCommand(context.Context, bot.Request) (bot.Message, error) { panic("boom") }

func TestConsoleSurvivesPanicsAndHidesErrors(t *testing.T) {
	t.Parallel()
	r, out, _ := setup(t, "/health acme\n")
	r.Handler = panicky{r.Handler}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, healthbot.InternalMessage) || strings.Contains(got, "boom") {
		t.Errorf("panic output = %q", got)
	}
}

func TestRenderEveryBlockType(t *testing.T) {
	t.Parallel()
	chart := blocks.LineChart("Score", []blocks.Point{{AsOf: now.AddDate(0, 0, -7), Value: 80}, {AsOf: now, Value: 20}})
	pie := slack.NewDataVisualizationBlock("Bands", slack.NewDataVisualizationPieChart(
		slack.NewDataVisualizationSegment("green", 3), slack.NewDataVisualizationSegment("red", 1)))
	bs := []slack.Block{
		blocks.Header("Title"),
		blocks.Section("*bold* and _italic_ <https://example.com|a link> <@U1> <#C1|general> &lt;tag&gt;"),
		slack.NewSectionBlock(nil, []*slack.TextBlockObject{slack.NewTextBlockObject(slack.MarkdownType, "*F1*\nv", false, false)}, nil),
		blocks.Context("ctx"),
		slack.NewDividerBlock(),
		slack.NewImageBlock("https://example.com/i.png", "a picture", "", nil),
		chart, pie,
		slack.NewActionBlock("a", blocks.Button("x", "1", "One"), blocks.Button("y", "2", "Two"),
			slack.NewOptionsSelectBlockElement(slack.OptTypeUser, slack.NewTextBlockObject(slack.PlainTextType, "Assign to…", false, false), "z"),
			slack.NewOptionsSelectBlockElement(slack.OptTypeUser, nil, "w")),
		slack.NewRichTextBlock("r"),
	}
	var out bytes.Buffer
	btns, err := console.Render(&out, bs)
	if err != nil {
		t.Fatal(err)
	}
	want := "Title\n=====\n" +
		"bold and italic a link (https://example.com) @U1 #general <tag>\n" +
		"  F1 v\n" +
		"  ctx\n" +
		strings.Repeat("-", 40) + "\n" +
		"[image: a picture]\n" +
		"[chart] Score\n  Score ▇▂  Jan 7 80 → Jan 14 20  (low 20, high 80)\n" +
		"[chart] Bands: green 3, red 1\n" +
		"[1: One] [2: Two] [Assign to… ▾] [users_select ▾]\n" +
		"[rich_text block]\n"
	if out.String() != want {
		t.Errorf("Render =\n%s\nwant\n%s", out.String(), want)
	}
	if len(btns) != 2 || btns[1].ActionID != "y" || btns[1].Value != "2" || btns[1].BlockID != "a" {
		t.Errorf("buttons = %+v", btns)
	}
}

// With a directory of names the console shows the owner's name, as Slack
// does, instead of the Slack id (the papercut "Owner: @U0DEMO02").
func TestConsoleCardNamesTheOwner(t *testing.T) {
	t.Parallel()
	r, out, _ := setup(t, "/health acme\n")
	r.Names = map[string]string{"U0JANE": "Jane Doe"}
	if err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "Owner: @Jane Doe ·") || strings.Contains(got, "U0JANE") {
		t.Errorf("card should name the owner, not show the id:\n%s", got)
	}
}
