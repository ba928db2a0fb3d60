package blocks

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/slack-go/slack"
)

// Carousel and card limits: 1–10 cards a carousel
// (https://docs.slack.dev/reference/block-kit/blocks/carousel-block); a card's
// title and subtitle ≤ 150 characters, its body ≤ 200, and one of title,
// body, actions or hero image (https://docs.slack.dev/reference/block-kit/blocks/card-block).
const (
	MaxCarouselCards = 10
	maxCardTitle     = 150
	maxCardBody      = 200
)

// ChooseCarousel asks which of several matching accounts was meant, one
// card each with its score and Show card (ActionPick, value = account id).
// ChooseBlocks is its fallback where Slack refuses carousels.
func ChooseCarousel(query string, cands []Candidate, more int) []slack.Block {
	cards := make([]*slack.CardBlock, 0, min(len(cands), MaxCarouselCards))
	for _, c := range cands[:min(len(cands), MaxCarouselCards)] {
		var sub string
		for _, f := range []string{c.Segment, c.Domain} {
			if f != "" {
				if sub != "" {
					sub += " · "
				}
				sub += Truncate(Esc(f), 60)
			}
		}
		if c.Churned {
			sub += " · churned"
		}
		cards = append(cards, accountCard("pick:"+strconv.FormatInt(c.ID, 10), c.Name, sub, c.Summary, ActionPick, c.ID))
	}
	out := []slack.Block{Section("Several accounts match “" + Esc(query) + "”. Which one?"), slack.NewCarouselBlock(cards...).WithBlockID("choose")}
	if more > 0 {
		out = append(out, Context("…and "+strconv.Itoa(more)+" more. Type more of the name to narrow it down."))
	}
	return out
}

// MoversCarousel shows the biggest drops as cards (score, change, owner,
// Show card) and the rises as a data table (sortable by change or MRR);
// MoversBlocks is its fallback.
func MoversCarousel(m Movers) []slack.Block {
	out := MoversBlocks(Movers{Days: m.Days, Rises: m.Rises, Now: m.Now})
	if len(m.Rises) > 0 {
		rises := make([]Row, len(m.Rises))
		for i, r := range m.Rises {
			rises[i] = r
			if m.Days == 7 {
				rises[i].Delta28 = r.Delta7 // the table's change column shows the window asked for
			}
		}
		t := ListTable(List{Title: fmt.Sprintf("Biggest rises, last %d days", m.Days), Rows: rises})
		t.BlockID = "movers_rises"
		// MoversBlocks' rises start after the header, the context and the
		// (empty) drops section.
		out = append(out[:3:3], Section("*📈 Biggest rises*"), t)
	}
	if len(m.Drops) == 0 {
		return out
	}
	cards := make([]*slack.CardBlock, 0, min(len(m.Drops), MaxCarouselCards))
	for _, r := range m.Drops[:min(len(m.Drops), MaxCarouselCards)] {
		d := r.Delta28
		if m.Days == 7 {
			d = r.Delta7
		}
		body := fmt.Sprintf("%s in %d days · owner %s", Delta(d), m.Days, Esc(ownerName(r.Owner)))
		cards = append(cards, accountCard("mover:"+strconv.FormatInt(r.ID, 10), r.Name, scoreWordsOf(r), body, ActionOpenCard, r.ID))
	}
	// The drops group of MoversBlocks said "No account dropped."; replace
	// it (the block after the header and context) with the carousel.
	return append(append(out[:2:2], Section("*📉 Biggest drops*"), slack.NewCarouselBlock(cards...).WithBlockID("movers")), out[3:]...)
}

// scoreWordsOf is "🔴 35 · Red" for a row, "⚪ not scored" without a score.
func scoreWordsOf(r Row) string {
	if !r.Scored || rowBand(r) == "none" {
		return "⚪ not scored"
	}
	return BandEmoji(r.Band) + " " + Score(r.Score) + " · " + BandName(r.Band)
}

// accountCard is one account as a card: its name as title, a subtitle, a
// body, and one button that shows its card.
func accountCard(blockID, name, subtitle, body, actionID string, id int64) *slack.CardBlock {
	c := slack.NewCardBlock(slack.CardBlockOptionBlockID(blockID)).
		WithTitle(md("*" + Truncate(Esc(name), maxCardTitle-2) + "*"))
	if subtitle != "" {
		c.WithSubtitle(md(Truncate(subtitle, maxCardTitle)))
	}
	if body != "" {
		c.WithBody(md(Truncate(body, maxCardBody)))
	}
	return c.WithActions(Button(actionID, strconv.FormatInt(id, 10), "Show card"))
}

// checkCarousel applies the carousel's and its cards' limits.
func checkCarousel(b *slack.CarouselBlock) error {
	if n := len(b.Elements); n == 0 || n > MaxCarouselCards {
		return fmt.Errorf("%d cards, want 1–%d", n, MaxCarouselCards)
	}
	for i, c := range b.Elements {
		if c.Title == nil && c.Body == nil && c.HeroImage == nil && (c.Actions == nil || len(c.Actions.ElementSet) == 0) {
			return fmt.Errorf("card %d: needs a title, body, actions or hero image", i)
		}
		for name, t := range map[string]*slack.TextBlockObject{"title": c.Title, "subtitle": c.Subtitle} {
			if t != nil {
				if err := textLen(t, maxCardTitle); err != nil {
					return fmt.Errorf("card %d %s: %w", i, name, err)
				}
			}
		}
		if c.Body != nil {
			if err := textLen(c.Body, maxCardBody); err != nil {
				return fmt.Errorf("card %d body: %w", i, err)
			}
		}
		if c.Actions != nil {
			for _, e := range c.Actions.ElementSet {
				btn, ok := e.(*slack.ButtonBlockElement)
				if !ok {
					return errors.New("a card's actions must be buttons")
				}
				if err := checkButton(btn); err != nil {
					return fmt.Errorf("card %d: %w", i, err)
				}
			}
		}
	}
	return nil
}
