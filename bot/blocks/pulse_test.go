package blocks_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

// pulsePage is a check-in with a red account answered with a note, a
// yellow one with an older pulse, and an unscored one.
func pulsePage() blocks.PulsePage {
	return blocks.PulsePage{
		Week: "2026-W03", Pages: 1, Now: now,
		Rows: []blocks.PulseRow{
			{AccountID: 42, Name: "Acme <Corp>", Scored: true, Score: 31.6, Band: scoring.BandRed,
				Last: &scoring.Pulse{Rating: scoring.RatingHealthy, Week: "2026-W01", AnsweredAt: day(10)},
				Answer: &scoring.Pulse{Rating: scoring.RatingPoor, Reasons: []string{"champion_left", "budget_cut"},
					Note: "New CFO\nis cutting tools", Week: "2026-W03", AnsweredAt: now}},
			{AccountID: 43, Name: "Beta", Scored: true, Score: 55, Band: scoring.BandYellow,
				Last: &scoring.Pulse{Rating: scoring.RatingConcerning, Week: "2026-W02", AnsweredAt: day(8)}},
			{AccountID: 44, Name: "Gamma", Band: scoring.BandNone},
		},
	}
}

func TestPulseGolden(t *testing.T) {
	t.Parallel()
	golden(t, "pulse_checkin", blocks.PulseBlocks(pulsePage()), blocks.MaxBlocks)

	rem := pulsePage()
	rem.Reminder, rem.Rows = true, rem.Rows[1:]
	golden(t, "pulse_reminder", blocks.PulseBlocks(rem), blocks.MaxBlocks)

	modal := blocks.PulseNoteModal(blocks.PulseNote{AccountID: 42, Name: "Acme Corp", Week: "2026-W03", Rating: scoring.RatingPoor,
		Reasons: []string{"budget_cut"}, Note: "New CFO", ChannelID: "D1", TS: "1700000000.000001"})
	golden(t, "pulse_note_modal", modal.Blocks.BlockSet, blocks.MaxBlocks)
	require.Equal(t, blocks.CallbackPulseNote, modal.CallbackID)
	require.LessOrEqual(t, len(modal.Title.Text), 24, "Slack caps modal titles at 24 characters")
}

func TestPulseRowsShowAnswersAndCarryTheWeek(t *testing.T) {
	t.Parallel()
	got := dump(t, blocks.PulseBlocks(pulsePage()))
	for _, want := range []string{
		"Weekly pulse · 2026-W03",
		"*Acme &lt;Corp&gt;* · 🔴 32 · last pulse 🙂 Healthy (10 days ago)",
		"✅ Recorded: 🙁 *Poor* — Champion left, Budget cut · “New CFO is cutting tools”",
		"*Beta* · 🟡 55 · last pulse 😐 Concerning (8 days ago)",
		"*Gamma* · ⚪ not scored yet · no pulse yet",
		`"value":"42|2026-W03"`, `"value":"44|2026-W03"`, `"block_id":"pulse:43"`,
		"1 of 3 answered",
	} {
		require.Contains(t, got, want)
	}
	// The recorded rating's button is highlighted, and only that one.
	bs := blocks.PulseBlocks(pulsePage())
	acts, ok := bs[3].(*slack.ActionBlock)
	require.True(t, ok, "block 3 is Acme's buttons")
	var styled []string
	for _, el := range acts.Elements.ElementSet {
		if b, ok := el.(*slack.ButtonBlockElement); ok && b.Style != "" {
			styled = append(styled, b.ActionID)
		}
	}
	require.Equal(t, []string{blocks.ActionPulsePoor}, styled)
}

func TestPulsePagesStayUnderBlockKitLimits(t *testing.T) {
	t.Parallel()
	page := blocks.PulsePage{Week: "2026-W03", Page: 1, Pages: 3, Now: now}
	for i := range blocks.PulsePageSize {
		long := strings.Repeat("Very long account name ", 10)
		page.Rows = append(page.Rows, blocks.PulseRow{AccountID: int64(i + 1), Name: fmt.Sprint(long, i), Scored: true, Score: float64(i), Band: scoring.BandRed,
			Answer: &scoring.Pulse{Rating: scoring.RatingPoor, Reasons: []string{"other"}, Note: strings.Repeat("x", blocks.MaxPulseNote), AnsweredAt: now}})
	}
	bs := blocks.PulseBlocks(page)
	require.NoError(t, blocks.Check(bs, blocks.MaxBlocks))
	require.Contains(t, dump(t, bs[:1]), "(2/3)")
	raw, err := json.Marshal(bs)
	require.NoError(t, err)
	require.Less(t, len(raw), 40_000, "Slack rejects messages over 40,000 characters of blocks")
}

func TestPulseValueRoundTrip(t *testing.T) {
	t.Parallel()
	id, week, err := blocks.ParsePulseValue(blocks.PulseValue(42, "2026-W48"))
	require.NoError(t, err)
	require.Equal(t, int64(42), id)
	require.Equal(t, "2026-W48", week)
	for _, bad := range []string{"", "42", "x|2026-W48", "0|2026-W48", "42|2026-48", "42|2026-W54", "42|2025-W53"} {
		_, _, err := blocks.ParsePulseValue(bad)
		require.Error(t, err, bad)
	}
	n, err := blocks.ParsePulseNoteMeta(blocks.PulseNoteMeta(blocks.PulseNote{AccountID: 7, Week: "2026-W01", ChannelID: "D1", TS: "1.2"}))
	require.NoError(t, err)
	require.Equal(t, blocks.PulseNote{AccountID: 7, Week: "2026-W01", ChannelID: "D1", TS: "1.2"}, n)
}

func TestParseISOWeek(t *testing.T) {
	t.Parallel()
	for week, monday := range map[string]string{
		"2026-W01": "2025-12-29", "2026-W48": "2026-11-23", "2020-W53": "2020-12-28", "2027-W01": "2027-01-04",
	} {
		start, next, err := blocks.ParseISOWeek(week)
		require.NoError(t, err, week)
		require.Equal(t, monday, start.Format(time.DateOnly), week)
		require.Equal(t, 7*24*time.Hour, next.Sub(start))
		require.Equal(t, week, scoring.ISOWeek(start))
	}
}

func TestPulseNoteForm(t *testing.T) {
	t.Parallel()
	state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		blocks.PulseRatingBlock:  {blocks.PulseRatingInput: {SelectedOption: slack.OptionBlockObject{Value: "concerning"}}},
		blocks.PulseReasonsBlock: {blocks.PulseReasonsInput: {SelectedOptions: []slack.OptionBlockObject{{Value: "low_adoption"}, {Value: "made_up"}}}},
		blocks.PulseNoteBlock:    {blocks.PulseNoteInput: {Value: "  usage halved  "}},
	}}
	rating, reasons, note := blocks.PulseNoteForm(state)
	require.Equal(t, scoring.RatingConcerning, rating)
	require.Equal(t, []string{"low_adoption"}, reasons, "unknown codes are dropped")
	require.Equal(t, "usage halved", note)
	rating, reasons, note = blocks.PulseNoteForm(nil)
	require.Empty(t, rating)
	require.Empty(t, reasons)
	require.Empty(t, note)
}
