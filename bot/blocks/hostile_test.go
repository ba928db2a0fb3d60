package blocks_test

import (
	"strings"
	"testing"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// hostile is text built to break limits and markup: 200 characters of
// entities to escape, mrkdwn marks, a mention, a link and emoji (two UTF-16
// units each).
func hostile(n int) string {
	unit := "&<>*_~`<@U1>🔴 "
	return strings.Repeat(unit, n/len([]rune(unit))+1)[:n]
}

// hostileRows is a band of 1,000 red accounts with hostile names.
func hostileRows() []blocks.Row {
	rs := rows(1000)
	for i := range rs {
		rs[i].Name, rs[i].Segment = hostile(200), hostile(200)
		rs[i].Scored, rs[i].Score, rs[i].Band = true, 10, scoring.BandRed
		rs[i].Delta7, rs[i].Delta28 = f(-3), f(-9)
	}
	return rs
}

// hostileCard is the full card with hostile text in every field.
func hostileCard() blocks.Card {
	card := fullCard()
	card.Account.Name, card.Account.Domain, card.Account.Segment, card.Account.Plan = hostile(200), hostile(200), hostile(200), hostile(200)
	for i := range card.Score.Drivers {
		card.Score.Drivers[i].Label, card.Score.Drivers[i].Detail = hostile(200), hostile(500)
	}
	card.LastPulse.Note, card.LastPulse.CSMName = hostile(5000), hostile(200)
	card.Alerts[0].Summary = hostile(3000)
	return card
}

// Every surface rendered with hostile data stays within Slack's limits, and
// App Home still shows accounts when one band alone would not fit.
func TestSurfacesWithHostileDataStayWithinLimits(t *testing.T) {
	t.Parallel()
	reasons := make([]string, 20)
	for i := range reasons {
		reasons[i] = hostile(200)
	}
	card := fullCard()
	card.Account.Name, card.Account.Domain, card.Account.Segment, card.Account.Plan = hostile(200), hostile(200), hostile(200), hostile(200)
	for i := range card.Score.Drivers {
		card.Score.Drivers[i].Label, card.Score.Drivers[i].Detail = hostile(200), hostile(500)
	}
	card.LastPulse.Reasons, card.LastPulse.Note, card.LastPulse.CSMName = reasons, hostile(5000), hostile(200)
	card.Alerts[0].Summary = hostile(3000)

	cands := make([]blocks.Candidate, 10)
	for i := range cands {
		cands[i] = blocks.Candidate{ID: int64(i + 1), Name: hostile(2000), Domain: hostile(2000), Segment: hostile(2000)}
	}
	rs := hostileRows()
	list := blocks.List{Title: hostile(300), Intro: hostile(4000), Rows: rs[:blocks.PageSize], Total: len(rs),
		Cmd: "segment " + hostile(2500), Style: blocks.StyleRisk, Now: now}
	home := blocks.Home{CSM: jane, Rows: rs, Week: "2026-W03", Command: "/health", Now: now}
	alert := blocks.AlertMessage{ID: 9, Account: card.Account, Score: card.Score, Kind: scoring.AlertKind("turned_red"),
		Summary: hostile(4000), State: scoring.AlertOpen, FiredAt: day(1)}
	note := blocks.PulseNote{AccountID: 42, Name: hostile(200), Week: "2026-W03", Rating: scoring.RatingPoor,
		Reasons: []string{"budget_cut"}, Note: hostile(5000), ChannelID: "D1", TS: "1700000000.000001"}

	surfaces := []struct {
		name string
		err  error
	}{
		{"card", blocks.CheckOn(blocks.SurfaceMessage, blocks.CardBlocks(card))},
		{"chooser", blocks.Check(blocks.ChooseBlocks(hostile(500), cands, 40), blocks.MaxBlocks)},
		{"at-risk list", blocks.Check(blocks.ListBlocks(list), blocks.MaxBlocks)},
		{"movers", blocks.Check(blocks.MoversBlocks(blocks.Movers{Days: 28, Drops: rs[:10], Rises: rs[10:20], Now: now}), blocks.MaxBlocks)},
		{"home", blocks.CheckOn(blocks.SurfaceHome, blocks.HomeBlocks(home))},
		{"alert", blocks.Check(blocks.AlertBlocks(alert), blocks.MaxBlocks)},
		{"pulse note modal", blocks.CheckModal(blocks.PulseNoteModal(note))},
		{"pulse note modal blocks", blocks.CheckOn(blocks.SurfaceModal, blocks.PulseNoteModal(note).Blocks.BlockSet)},
	}
	for _, s := range surfaces {
		if s.err != nil {
			t.Errorf("%s breaks Block Kit limits with hostile data: %v", s.name, s.err)
		}
	}
	homeJSON := mustJSON(t, blocks.HomeBlocks(home))
	if n := strings.Count(homeJSON, "🔴 ` 10`"); n < 10 {
		t.Errorf("App Home with 1,000 red accounts shows %d of them; it must show as many as fit", n)
	}
}

// CheckOn refuses a block on a surface that does not take it.
func TestCheckOnRefusesBlocksTheSurfaceDoesNotTake(t *testing.T) {
	t.Parallel()
	card := fullCard()
	card.Containers = true
	if err := blocks.CheckOn(blocks.SurfaceMessage, blocks.CardBlocks(card)); err != nil {
		t.Errorf("a card with containers is a valid message: %v", err)
	}
	if err := blocks.CheckOn(blocks.SurfaceModal, blocks.CardBlocks(card)); err == nil || !strings.Contains(err.Error(), "container blocks are not allowed in a modal") {
		t.Errorf("containers in a modal: %v", err)
	}
	table := blocks.ListBlocks(blocks.List{Title: "t", Rows: rows(3), Total: 3, Table: true, Now: now})
	if err := blocks.CheckOn(blocks.SurfaceHome, table); err != nil {
		t.Errorf("a data table is fine in Home: %v", err)
	}
}
