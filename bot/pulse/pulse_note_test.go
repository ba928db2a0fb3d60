package pulse_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

func TestPulseNoteModalStoresReasonsAndText(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]
	value := blocks.PulseValue(acme.ID, "2026-W48")

	// A rating first, then Add note: the modal opens prefilled with it.
	e.interact(t, e.click("UANN", m, blocks.ActionPulseConcerning, value, "rate"))
	e.interact(t, e.click("UANN", m, blocks.ActionPulseNote, value, "note"))
	opens := e.slack.Calls("views.open")
	require.Len(t, opens, 1)
	require.Equal(t, "trigger-note", opens[0].Param("trigger_id"))
	var view slack.ModalViewRequest
	require.NoError(t, json.Unmarshal([]byte(opens[0].Param("view")), &view))
	require.Equal(t, blocks.CallbackPulseNote, view.CallbackID)
	require.Len(t, view.Blocks.BlockSet, 4)
	rating, ok := view.Blocks.BlockSet[1].(*slack.InputBlock)
	require.True(t, ok, "block 1 is the rating input")
	radio, ok := rating.Element.(*slack.RadioButtonsBlockElement)
	require.True(t, ok, "the rating is radio buttons")
	require.NotNil(t, radio.InitialOption)
	require.Equal(t, "concerning", radio.InitialOption.Value, "prefilled with the answer so far")

	// The CSM changes the rating to Poor, ticks two reasons and writes a note.
	sub := slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "UANN"}, Team: slack.Team{ID: "T1"},
		View: slack.View{CallbackID: view.CallbackID, PrivateMetadata: view.PrivateMetadata, State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{
				blocks.PulseRatingBlock:  {blocks.PulseRatingInput: {Type: "radio_buttons", SelectedOption: slack.OptionBlockObject{Value: "poor"}}},
				blocks.PulseReasonsBlock: {blocks.PulseReasonsInput: {Type: "checkboxes", SelectedOptions: []slack.OptionBlockObject{{Value: "champion_left"}, {Value: "budget_cut"}}}},
				blocks.PulseNoteBlock:    {blocks.PulseNoteInput: {Type: "plain_text_input", Value: "Our sponsor left in October.\nNew CFO reviews every tool."}},
			},
		}},
	}
	e.clock.Advance(time.Minute)
	e.interact(t, sub)

	got := e.answer(t, acme.ID, "2026-W48")
	require.NotNil(t, got)
	require.Equal(t, scoring.RatingPoor, got.Rating)
	require.Equal(t, []string{"champion_left", "budget_cut"}, got.Reasons)
	require.Equal(t, "Our sponsor left in October.\nNew CFO reviews every tool.", got.Note)
	require.Equal(t, 1, pulseRows(t, e.st, acme.ID, "2026-W48"))

	updates := e.slack.Calls("chat.update")
	require.Len(t, updates, 2, "one for the rating, one for the note")
	require.Contains(t, updates[1].Param("blocks"), "Champion left, Budget cut · “Our sponsor left in October. New CFO reviews every tool.”")
	require.Equal(t, m.TS, updates[1].Param("ts"))

	// A later rating click keeps the note.
	e.interact(t, e.click("UANN", m, blocks.ActionPulseConcerning, value, "rerate"))
	got = e.answer(t, acme.ID, "2026-W48")
	require.Equal(t, scoring.RatingConcerning, got.Rating)
	require.Equal(t, []string{"champion_left", "budget_cut"}, got.Reasons)
}

func TestPulseNoteWithoutARatingIsRefused(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]
	meta := blocks.PulseNoteMeta(blocks.PulseNote{AccountID: acme.ID, Week: "2026-W48", ChannelID: m.ChannelID, TS: m.TS})
	ack := e.interactAck(t, slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "UANN"},
		View: slack.View{CallbackID: blocks.CallbackPulseNote, PrivateMetadata: meta, State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{blocks.PulseNoteBlock: {blocks.PulseNoteInput: {Value: "just a note"}}},
		}},
	})
	require.Zero(t, pulseRows(t, e.st, acme.ID, "2026-W48"))
	// The modal stays open with the error under the rating field
	// (response_action: errors), instead of closing and explaining in a DM.
	require.JSONEq(t, `{"response_action": "errors", "errors": {"`+blocks.PulseRatingBlock+`": "Pick Healthy, Concerning or Poor."}}`, ack)
	require.Len(t, e.postsTo("UANN"), 1, "only the check-in: nothing to explain in a DM")
}

func TestPulseNoteTooLongKeepsTheModalOpen(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]
	meta := blocks.PulseNoteMeta(blocks.PulseNote{AccountID: acme.ID, Week: "2026-W48", ChannelID: m.ChannelID, TS: m.TS})
	ack := e.interactAck(t, slack.InteractionCallback{
		Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: "UANN"},
		View: slack.View{CallbackID: blocks.CallbackPulseNote, PrivateMetadata: meta, State: &slack.ViewState{
			Values: map[string]map[string]slack.BlockAction{
				blocks.PulseRatingBlock: {blocks.PulseRatingInput: {SelectedOption: slack.OptionBlockObject{Value: "poor"}}},
				blocks.PulseNoteBlock:   {blocks.PulseNoteInput: {Value: strings.Repeat("x", blocks.MaxPulseNote+1)}},
			},
		}},
	})
	require.Contains(t, ack, `"response_action":"errors"`)
	require.Contains(t, ack, blocks.PulseNoteBlock)
	require.Zero(t, pulseRows(t, e.st, acme.ID, "2026-W48"), "nothing stored: the CSM shortens the note and submits again")
}
