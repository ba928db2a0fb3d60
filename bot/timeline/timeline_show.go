package timeline

import (
	"context"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
)

// timelinePage bounds /health timeline's entries.
const timelinePage = 40

// show is `/health timeline ACCOUNT`: the entries after the card's three.
func (t *Timeline) show(ctx context.Context, c health.HealthCall) (chat.Message, error) {
	if c.Args == "" {
		return chat.Message{}, health.Usage("Say which account, e.g. `%s timeline acme`.", health.HelpCommand)
	}
	e, m, err := t.health.FindAccount(ctx, c.Args)
	if err != nil || m != nil {
		if m != nil {
			return *m, nil
		}
		return chat.Message{}, err
	}
	n, err := t.store.CountTouchpoints(ctx, e.ID)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the timeline just now. Please try again.")
	}
	skip := min(n, blocks.CardTimeline)
	tps, err := t.store.Touchpoints(ctx, e.ID, skip, timelinePage)
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not load the timeline just now. Please try again.")
	}
	access.NoteAccounts(ctx, e.ID)
	more := max(0, n-skip-len(tps))
	return chat.Message{Text: "Timeline of " + e.Name, Blocks: blocks.TimelineBlocks(e.Name, touchpointsView(tps), skip, more)}, nil
}
