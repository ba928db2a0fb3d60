package pulse

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// present drops the CSMs who are out of office today (/health away, or a
// Slack status that says so) and adds the covers of those who named one:
// covers maps a cover's id to the away CSMs whose accounts they get.
func (p *Pulse) present(ctx context.Context, csms []scoring.CSM, now time.Time) ([]scoring.CSM, map[int64][]int64, int, error) {
	aways, err := p.store.AwayOn(ctx, scoring.Day(now.In(p.loc)))
	if err != nil {
		return nil, nil, 0, err
	}
	covers := map[int64][]int64{}
	away := map[int64]bool{}
	kept := make([]scoring.CSM, 0, len(csms))
	for _, c := range csms {
		a, out := aways[c.ID]
		if !out && p.status != nil && c.SlackUserID != "" {
			in, err := p.status.AwayInSlack(ctx, c.SlackUserID)
			if err != nil {
				p.log.WarnContext(ctx, "cannot read the CSM's Slack status; taken as present", "csm", c.ID, "err", err)
			}
			out = in
		}
		if !out {
			kept = append(kept, c)
			continue
		}
		away[c.ID] = true
		if a.CoverCSMID != 0 {
			covers[a.CoverCSMID] = append(covers[a.CoverCSMID], c.ID)
		}
	}
	for id := range covers {
		_, coverAway := aways[id]
		if away[id] || coverAway {
			p.log.WarnContext(ctx, "the cover is away too; the covered accounts get no check-in", "csm", id)
			delete(covers, id)
			continue
		}
		if slices.ContainsFunc(kept, func(c scoring.CSM) bool { return c.ID == id }) {
			continue
		}
		c, err := p.store.CSMByID(ctx, id)
		if err != nil {
			p.log.WarnContext(ctx, "cannot read the cover; the covered accounts get no check-in", "csm", id, "err", err)
			delete(covers, id)
			continue
		}
		kept = append(kept, c)
	}
	return kept, covers, len(away), nil
}

// askedAbout lists the accounts a plan's check-in asks about: the CSM's
// own and those of the away CSMs they cover.
func (p *Pulse) askedAbout(ctx context.Context, pl pulsePlan) ([]int64, error) {
	ids, err := p.store.PulseOwnedAccountIDs(ctx, pl.csm.ID)
	if err != nil {
		return nil, err
	}
	for _, other := range pl.covering {
		more, err := p.store.PulseOwnedAccountIDs(ctx, other)
		if err != nil {
			return nil, err
		}
		for _, id := range more {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
}

// AwaySubcommand is `/health away until 2026-12-28 [cover @sam]`,
// `/health away off` and `/health away` (what is set).
func (p *Pulse) AwaySubcommand(h *health.Health) health.Subcommand {
	return health.Subcommand{
		Name: "away", Aliases: []string{"ooo", "vacation"}, Usage: "away until YYYY-MM-DD [cover @person] | away off",
		Summary: "out of office: no check-in or reminder until then; a cover gets your accounts' check-in",
		Run: func(ctx context.Context, c health.HealthCall) (chat.Message, error) {
			return p.awayCommand(ctx, h, c)
		},
	}
}

// maxAwayDays bounds how far ahead an out-of-office may go.
const maxAwayDays = 366

func (p *Pulse) awayCommand(ctx context.Context, h *health.Health, c health.HealthCall) (chat.Message, error) {
	me, err := h.CallerCSM(ctx, c.UserID)
	if errors.Is(err, store.ErrNotFound) {
		return chat.Message{}, healthbot.Errorf(healthbot.EFORBIDDEN, "Out of office is for account owners, and I don't know you as one.")
	}
	if err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not look you up just now. Please try again.")
	}
	today := scoring.Day(p.now().In(p.loc))
	words := strings.Fields(strings.ToLower(c.Args))
	reply := func(text string) (chat.Message, error) {
		return chat.Message{Text: text, Blocks: blocks.TextBlocks(text)}, nil
	}
	switch {
	case len(words) == 0:
		aways, err := p.store.AwayOn(ctx, today)
		if err != nil {
			return chat.Message{}, healthbot.Wrap(err, "I could not read that just now. Please try again.")
		}
		a, ok := aways[me.ID]
		if !ok {
			return reply(fmt.Sprintf("You are not marked away. `%s away until YYYY-MM-DD [cover @person]` sets it.", health.HelpCommand))
		}
		return reply(awayText(a, nil))
	case words[0] == "off" || words[0] == "back" || words[0] == "clear":
		if err := p.store.ClearAway(ctx, me.ID); err != nil {
			return chat.Message{}, healthbot.Wrap(err, "I could not save that just now. Please try again.")
		}
		return reply("Welcome back — your check-ins resume with the next one.")
	}
	args := strings.Fields(c.Args)
	if strings.EqualFold(args[0], "until") {
		args = args[1:]
	}
	if len(args) == 0 {
		return chat.Message{}, health.Usage("Say until when, e.g. `%s away until 2026-12-28 cover @sam`.", health.HelpCommand)
	}
	until, err := time.Parse(time.DateOnly, args[0])
	if err != nil {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "%q is not a date; write it as YYYY-MM-DD, e.g. `%s away until 2026-12-28`.", args[0], health.HelpCommand)
	}
	if until.Before(today) {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "%s is in the past.", args[0])
	}
	if until.After(today.AddDate(0, 0, maxAwayDays)) {
		return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "%s is more than a year away; set a nearer date.", args[0])
	}
	a := store.Away{CSMID: me.ID, Until: until, SetBy: c.UserID, SetAt: p.now()}
	var cover *scoring.CSM
	switch rest := args[1:]; {
	case len(rest) == 0:
	case len(rest) == 2 && strings.EqualFold(rest[0], "cover"):
		cv, err := health.ResolveCSM(ctx, p.store, p.guard, rest[1])
		if err != nil {
			return chat.Message{}, err
		}
		if cv.ID == me.ID {
			return chat.Message{}, healthbot.Errorf(healthbot.EINVALID, "You cannot cover for yourself; name someone else, or leave out `cover`.")
		}
		a.CoverCSMID, cover = cv.ID, &cv
	default:
		return chat.Message{}, health.Usage("After the date only `cover @person` may follow, e.g. `%s away until 2026-12-28 cover @sam`.", health.HelpCommand)
	}
	if err := p.store.SetAway(ctx, a); err != nil {
		return chat.Message{}, healthbot.Wrap(err, "I could not save that just now. Please try again.")
	}
	return reply(awayText(a, cover))
}

func awayText(a store.Away, cover *scoring.CSM) string {
	s := "You are away until *" + a.Until.Format("Mon Jan 2, 2006") + "*: no check-in or reminder until then, and the digest counts your accounts as away."
	switch {
	case cover != nil:
		s += " " + health.CSMLabel(*cover) + " gets the check-in for your accounts."
	case a.CoverCSMID != 0:
		s += " Your cover gets the check-in for your accounts."
	}
	return s + " `" + health.HelpCommand + " away off` ends it early."
}
