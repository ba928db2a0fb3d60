package ask_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/internal/goldenfile"
)

// golden compares a message's wire form with testdata/name.json; account
// ids (which differ between runs) are written as "id:<external id>".
func golden(t *testing.T, name string, m bot.Message, fx fixture) {
	t.Helper()
	got, err := json.MarshalIndent(struct {
		Text   string       `json:"text"`
		Blocks slack.Blocks `json:"blocks"`
	}{m.Text, slack.Blocks{BlockSet: m.Blocks}}, "", "  ")
	require.NoError(t, err)
	for ext, id := range fx.IDs {
		got = []byte(strings.ReplaceAll(string(got), `"value": "`+strconv.FormatInt(id, 10)+`"`, `"value": "id:`+ext+`"`))
	}
	want := goldenfile.Want(t, filepath.Join("testdata", name+".json"), append(got, '\n'))
	require.JSONEq(t, string(want), string(got))
}

func TestBuiltinAnswers(t *testing.T) {
	t.Parallel()
	b := setup(t, options{}) // no model configured
	require.False(t, b.asker.ModelEnabled())
	cases := []struct {
		golden, q string
		want      []string // in the answer's section, in this order
	}{
		{"at_risk", "Which accounts are at risk?", []string{
			"*1 account is red*, worst first:",
			"• *Acme Logistics* — 🔴 30 · −7.5 in 7 days, −30 in 28 days · $12,000 MRR · Dana Scully",
			// Hooli, yellow and down 6 in 28 days, is not at risk (scoring.AtRisk).
		}},
		{"renewals", "who renews in the next 30 days?", []string{
			"*2 accounts renew in the next month* ($12,300 MRR; 1 red), soonest first:",
			"• *Hooli* — renews 12 Mar 2026 (in 10 days) · 🟡 42",
			"• *Acme Logistics* — renews 22 Mar 2026 (in 20 days) · 🔴 30"}},
		{"renewals_at_risk", "renewals at risk in the next 2 months", []string{
			"*3 accounts renew while red or yellow in the next 2 months*"}},
		{"movers", "biggest drops this month", []string{
			"*Accounts that dropped most over the last 28 days* (2 moved that way):",
			"• *Acme Logistics* — −30 to 30 🔴", "• *Hooli* — −6 to 42 🟡"}},
		{"risers", "who improved this week?", []string{"• *Globex* — +7.5 to 80 🟢"}},
		{"segment", "how is enterprise doing", []string{
			"*Enterprise*: 2 accounts — 🟢 1 · 🟡 0 · 🔴 1; average score 55; $20,000 MRR, $12,000 of it in red accounts; 1 renewing in the next 90 days",
			"Lowest scores:", "• *Acme Logistics*"}},
		{"portfolio", "portfolio overview", []string{
			"*Portfolio*: 4 accounts — 🟢 1 · 🟡 2 · 🔴 1; average score 51.8",
			"• *Enterprise*: 2 accounts", "• *SMB*: 2 accounts"}},
		{"account", "how is acme doing?", []string{
			"*Acme Logistics* is 🔴 red at *30* (−7.5 in 7 days, −30 in 28 days).",
			"Pulling it down: Active users — 12th percentile of Enterprise peers — 4 of 40 seats active.",
			"Holding it up: CSAT — CSAT 4.5 over 90 days.",
			"Last pulse: *poor* (Dana Scully, 2026-W10): “Champion left; budget cut.”",
			"renews 22 Mar 2026 (in 20 days) · $12,000 MRR · owner Dana Scully · Enterprise",
			"Open alerts: Acme Logistics turned red (score 30).", "Full card: `/health Acme Logistics`"}},
		{"mine", "show my accounts", []string{"*2 accounts of yours*, lowest score first:", "*Acme Logistics*", "*Initech*"}},
		{"owner", "Fox Mulder's accounts", []string{"*2 accounts owned by Fox Mulder*", "*Hooli*", "*Globex*"}},
		{"unknown_account", "how is zyxcorp doing?", []string{"I don't know an account called “zyxcorp”."}},
		{"off_topic", "What's the weather in Paris?", []string{"I only answer questions about your accounts"}},
		{"needs_model", "which accounts have the most seats per admin?", []string{
			"I can't answer that one without a language model.", "`OPENAI_MODEL`", "`OPENAI_API_KEY`", "`OPENAI_BASE_URL`"}},
		{"help", "", []string{"I answer questions about your accounts. I understand:", "*renewals*", "`OPENAI_MODEL`"}},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			msg, err := b.asker.Answer(context.Background(), ask.Question{Text: c.q, UserID: "UDANA"})
			require.NoError(t, err)
			text := sectionText(t, msg)
			at := 0
			for _, w := range c.want {
				i := strings.Index(text[at:], w)
				require.True(t, i >= 0, "want %q after byte %d in:\n%s", w, at, text)
				at += i + len(w)
			}
			golden(t, "builtin_"+c.golden, msg, b.fx)
		})
	}
}

func TestBuiltinAnswersCiteAndLinkCards(t *testing.T) {
	t.Parallel()
	b := setup(t, options{})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "renewals in 30 days"})
	require.NoError(t, err)
	ctx := contextText(t, msg)
	require.Contains(t, ctx, "Based on: *Hooli* (score 42, yellow), *Acme Logistics* (score 30, red)")
	require.Contains(t, ctx, "Built-in answer — no language model is configured; set `OPENAI_MODEL`")
	js := blocksJSON(t, msg)
	require.Contains(t, js, `"action_id":"health_open_card"`)

	// Refusals and help cite nothing and offer no cards.
	msg, err = b.asker.Answer(context.Background(), ask.Question{Text: "tell me a joke"})
	require.NoError(t, err)
	require.Empty(t, contextText(t, msg))
	require.NotContains(t, blocksJSON(t, msg), "health_open_card")
}

func TestBuiltinEscapesStoredText(t *testing.T) {
	t.Parallel()
	b := setup(t, options{seed: func(t *testing.T, fx fixture) {
		fx.Pulse(t, "globex", "healthy", "<!channel> *ping* <https://x.example|x> & co")
	}})
	msg, err := b.asker.Answer(context.Background(), ask.Question{Text: "how is globex?"})
	require.NoError(t, err)
	text := sectionText(t, msg)
	require.Contains(t, text, "“&lt;!channel&gt; *ping* &lt;https://x.example|x&gt; &amp; co”")
	require.NotContains(t, msg.Text, "<!channel>")
}
