package blocks

import (
	"fmt"
	"sort"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// Home is a CSM's App Home tab.
type Home struct {
	CSM     scoring.CSM // zero ID: the user owns no accounts in healthbot
	Rows    []Row
	Week    string // current ISO week
	Command string // "/health"
	Now     time.Time
	Refused string // set: the user may not see account data; this is all the tab says
}

// HomeBlocks renders the App Home tab: the CSM's accounts by band, worst
// first, with this week's pulse status.
func HomeBlocks(h Home) []slack.Block {
	if h.Refused != "" {
		return []slack.Block{Header("healthbot"), Section(h.Refused)}
	}
	out := []slack.Block{Header("Your accounts")}
	if len(h.Rows) == 0 {
		return append(out,
			Section("You don't own any live accounts in healthbot yet. Accounts are assigned to their owner's email or Slack user in the account import or API."),
			Context("Try `"+h.Command+" help`, `"+h.Command+" at-risk` or `"+h.Command+" acme` in any channel."))
	}
	rows := WorstFirst(h.Rows)
	answered := 0
	for _, r := range rows {
		if r.PulseWeek == h.Week {
			answered++
		}
	}
	out = append(out,
		Section(BandSummary(BandCounts(rows))+fmt.Sprintf(" · pulse %s: %d of %d answered", h.Week, answered, len(rows))),
		Context("Updated "+h.Now.UTC().Format("2006-01-02 15:04")+" UTC · `"+h.Command+" acme` for a card, `"+h.Command+" help` for more"))
	budget := MaxHomeBlocks - len(out) - 1
	for _, b := range []scoring.Band{scoring.BandRed, scoring.BandYellow, scoring.BandGreen, scoring.BandNone} {
		var lines []string
		for _, r := range rows {
			if rowBand(r) == b {
				lines = append(lines, RowLine(r, StylePortfolio, h.Week, h.Now))
			}
		}
		if len(lines) == 0 {
			continue
		}
		title := fmt.Sprintf("%s *%s* (%d)", BandEmoji(b), BandName(b), len(lines))
		if b == scoring.BandNone {
			title = fmt.Sprintf("⚪ *Not scored* (%d)", len(lines))
		}
		secs := Sections(append([]string{title}, lines...))
		if budget < 2 { // a divider and one section
			return append(out, moreThanFits(h.Command))
		}
		out = append(out, slack.NewDividerBlock())
		budget--
		if len(secs) > budget {
			// Show as much of the band as fits (worst first), never none.
			return append(append(out, secs[:budget-1]...), moreThanFits(h.Command))
		}
		out = append(out, secs...)
		budget -= len(secs)
	}
	return out
}

func moreThanFits(cmd string) slack.Block {
	return Context("…more accounts than fit here: use `" + cmd + "` for the full list.")
}

// HomeView wraps HomeBlocks for views.publish.
func HomeView(h Home) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{
		Type:       slack.VTHomeTab,
		Blocks:     slack.Blocks{BlockSet: HomeBlocks(h)},
		CallbackID: "health_home",
	}
}

func rowBand(r Row) scoring.Band {
	if !r.Scored || r.Band == "" {
		return scoring.BandNone
	}
	return r.Band
}

// WorstFirst orders rows red before yellow before green before unscored,
// lowest score first within a band, then by name. It returns a new slice.
func WorstFirst(rows []Row) []Row {
	out := append([]Row(nil), rows...)
	sort.SliceStable(out, func(i, j int) bool {
		bi, bj := bandRank(rowBand(out[i])), bandRank(rowBand(out[j]))
		if bi != bj {
			return bi < bj
		}
		if out[i].Scored && out[j].Scored && out[i].Score != out[j].Score {
			return out[i].Score < out[j].Score
		}
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// bandRank orders bands worst first.
func bandRank(b scoring.Band) int {
	switch b {
	case scoring.BandRed:
		return 0
	case scoring.BandYellow:
		return 1
	case scoring.BandGreen:
		return 2
	}
	return 3
}
