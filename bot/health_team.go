package bot

import (
	"context"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
)

// TeamSubcommand is `/health team`: per CSM the week's pulse completion,
// how often their ratings agree with the data, how they ranked later
// churn and the mostly-green flag, plus the alert rules' record. Managers
// only (HEALTHBOT_MANAGERS): a CSM never sees another's pulse honesty.
func TeamSubcommand(h *health.Health, st TeamStore, cards CardsFunc) health.Subcommand {
	return health.Subcommand{
		Name: "team", Aliases: []string{"csms"}, Usage: "team",
		Summary: "managers: each CSM's pulse completion, agreement with the data and flags; alert rules' record",
		Run: func(ctx context.Context, c health.HealthCall) (Message, error) {
			if !access.IsManager(ctx) {
				return Message{}, healthbot.Errorf(healthbot.EFORBIDDEN, "Sorry — the team view is for managers only.")
			}
			loc := h.Location
			if loc == nil {
				loc = time.UTC
			}
			now := h.Now().In(loc)
			in, err := cardsNow(ctx, cards)
			if err != nil {
				return Message{}, healthbot.Wrap(err, "I could not build the team view just now. Please try again.")
			}
			r, err := BuildTeamReport(ctx, st, now, scoring.ISOWeek(now), in)
			if err != nil {
				return Message{}, healthbot.Wrap(err, "I could not build the team view just now. Please try again.")
			}
			v := r.View()
			return Message{Text: blocks.TeamText(v), Blocks: blocks.TeamBlocks(v)}, nil
		},
	}
}
