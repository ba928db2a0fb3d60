package blocks

import (
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// UnfurlBlocks is a link to an account's site or CRM record, unfurled: the
// score and band, the 28-day trend and the top driver, and Open card.
// https://docs.slack.dev/messaging/unfurling-links-in-messages
func UnfurlBlocks(c Card) []slack.Block {
	a := c.Account
	head := "*" + Truncate(Esc(a.Name), 200) + "* · "
	if c.Score.HasScore() {
		head += BandEmoji(c.Score.Band) + " *" + Score(c.Score.Value) + "* / 100 · " + BandName(c.Score.Band)
		if c.Delta28 != nil {
			head += " · " + Delta(c.Delta28) + " in 28 days"
		}
	} else {
		head += "⚪ not enough data to score yet"
	}
	lines := []string{head}
	if neg := scoring.Negative(c.Score.Drivers, 1); len(neg) > 0 {
		lines = append(lines, "Pulling it down: "+Esc(neg[0].Words()))
	} else if pos := scoring.Positive(c.Score.Drivers, 1); len(pos) > 0 {
		lines = append(lines, "Holding it up: "+Esc(pos[0].Words()))
	}
	sec := Section(strings.Join(lines, "\n"))
	sec.Accessory = slack.NewAccessory(Button(ActionOpenCard, strconv.FormatInt(a.ID, 10), "Open card"))
	return []slack.Block{sec, Context("healthbot · as of " + Date(c.Score.AsOf) + " · only people in this channel see it")}
}

// UnfurlEntity is the account as a Work Object entity for chat.unfurl's
// metadata (https://docs.slack.dev/messaging/work-objects-implementation):
// the posted link, the account's external id as the reference, its name as
// the title and the score, band, trend and owner as fields.
func UnfurlEntity(link string, c Card) slack.WorkObjectEntity {
	a := c.Account
	score := "not enough data"
	if c.Score.HasScore() {
		score = Score(c.Score.Value) + " / 100 · " + BandName(c.Score.Band)
	}
	trend := "–"
	if c.Delta28 != nil {
		trend = Delta(c.Delta28) + " in 28 days"
	}
	field := func(key, label, value string) map[string]any {
		return map[string]any{"key": key, "label": label, "type": "string", "value": value}
	}
	return slack.WorkObjectEntity{
		AppUnfurlURL: link,
		URL:          link,
		ExternalRef:  slack.WorkObjectExternalRef{ID: a.ExternalID, Type: "account"},
		EntityType:   "slack#/entities/item",
		EntityPayload: map[string]any{
			"attributes": map[string]any{"title": map[string]any{"text": Truncate(a.Name, 150)}, "display_id": a.ExternalID},
			"custom_fields": []map[string]any{
				field("health_score", "Health score", score),
				field("trend", "Trend", trend),
				field("owner", "Owner", ownerName(a.Owner)),
			},
		},
	}
}
