package bot_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/bottest"
)

// /health at-risk answers with a data table (each account a button that
// opens its card); a workspace whose Slack refuses the block still gets the
// list, as lines of text.
func TestEndToEndAtRiskAsDataTableWithTextFallback(t *testing.T) {
	t.Parallel()
	e := setupE2E(t)

	got := postJSON(t, e.command(t, "at-risk", "table"))
	for _, want := range []string{`"type":"data_table"`, `"caption":"Accounts at risk"`, `"action_id":"health_open_card_table"`, `"type":"raw_number"`} {
		if !strings.Contains(got, want) {
			t.Errorf("at-risk lacks %s: %s", want, got)
		}
	}

	e.hooks.RefuseBlocksWith(`"data_table"`)
	_, ack := e.post(t, "/slack/commands", bottest.FormContent, bottest.CommandBody(bottest.Command("at-risk", e.hooks.URL("refused"))))
	if ack != "" {
		t.Fatalf("unexpected acknowledgement %q", ack)
	}
	posts := e.hooks.Wait(t, 3) // the table, the refused table, the fallback
	last := posts[len(posts)-1]
	if last.Path != "/hooks/refused" {
		t.Fatalf("last post went to %s", last.Path)
	}
	text := postJSON(t, last)
	if strings.Contains(text, "data_table") || !strings.Contains(text, "Accounts at risk") || !strings.Contains(text, "*Acme*") {
		t.Errorf("the fallback is not the text list: %s", text)
	}
	var sections int
	for _, b := range last.Message.Blocks.BlockSet {
		if _, ok := b.(*slack.SectionBlock); ok {
			sections++
		}
	}
	if sections < 2 {
		t.Errorf("fallback has %d sections", sections)
	}
}
