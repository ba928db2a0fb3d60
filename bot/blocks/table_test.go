package blocks_test

import (
	"testing"

	"github.com/healthbot/healthbot/bot/blocks"
)

func TestNewSurfacesGolden(t *testing.T) {
	t.Parallel()
	rs := rows(30)
	golden(t, "list_table", blocks.ListBlocks(blocks.List{Title: "Accounts at risk", Intro: "30 accounts", Rows: rs,
		Total: 130, Cmd: "at-risk", Style: blocks.StyleRisk, Now: now, Table: true}), blocks.MaxBlocks)
	cands := []blocks.Candidate{
		{ID: 1, Name: "Acme Corp", Domain: "acme.com", Segment: "Enterprise", Summary: "🔴 35 · Red"},
		{ID: 2, Name: "Acme Labs", Domain: "acmelabs.io", Segment: "SMB", Churned: true},
	}
	golden(t, "choose_carousel", blocks.ChooseCarousel("acme", cands, 0), blocks.MaxBlocks)
	golden(t, "unfurl", blocks.UnfurlBlocks(fullCard()), blocks.MaxBlocks)
	golden(t, "movers_carousel", blocks.MoversCarousel(blocks.Movers{Days: 28, Drops: rs[:3], Rises: rs[3:5], Now: now}), blocks.MaxBlocks)
}

// The new surfaces stay within their limits with hostile data: 200-character
// names full of markup and emoji, more rows and cards than fit.
func TestNewSurfacesWithHostileData(t *testing.T) {
	t.Parallel()
	rs := hostileRows()
	cands := make([]blocks.Candidate, 25)
	for i := range cands {
		cands[i] = blocks.Candidate{ID: int64(i + 1), Name: hostile(200), Domain: hostile(200), Segment: hostile(200), Summary: hostile(300)}
	}
	for name, bs := range map[string]error{
		"list table":      blocks.Check(blocks.ListBlocks(blocks.List{Title: hostile(300), Rows: rs, Total: len(rs), Cmd: "at-risk", Style: blocks.StyleRisk, Now: now, Table: true}), blocks.MaxBlocks),
		"choose carousel": blocks.Check(blocks.ChooseCarousel(hostile(500), cands, 15), blocks.MaxBlocks),
		"unfurl":          blocks.Check(blocks.UnfurlBlocks(hostileCard()), blocks.MaxBlocks),
		"movers carousel": blocks.Check(blocks.MoversCarousel(blocks.Movers{Days: 7, Drops: rs[:40], Rises: rs[40:80], Now: now}), blocks.MaxBlocks),
	} {
		if bs != nil {
			t.Errorf("%s breaks Block Kit limits with hostile data: %v", name, bs)
		}
	}
}
