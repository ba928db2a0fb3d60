package pulse_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/store"
)

func TestPulseReminderGoesOnlyToCSMsWithGaps(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann, bob, cat := e.csm(t, "Ann", "UANN", "UTC"), e.csm(t, "Bob", "UBOB", "UTC"), e.csm(t, "Cat", "UCAT", "UTC")
	annA, annB := e.account(t, "Ann A", ann, 30), e.account(t, "Ann B", ann, 60)
	bobA, bobB := e.account(t, "Bob A", bob, 30), e.account(t, "Bob B", bob, 60)
	catA := e.account(t, "Cat A", cat, 50)
	e.tick(t)
	require.Len(t, e.slack.Calls("chat.postMessage"), 3)

	// Ann answers everything, Bob one of two, Cat nothing.
	for _, a := range []struct {
		user string
		csm  int64
		id   int64
	}{{"UANN", ann.ID, annA.ID}, {"UANN", ann.ID, annB.ID}, {"UBOB", bob.ID, bobA.ID}} {
		ms, err := e.st.PulseMessagesOf(context.Background(), a.csm, "2026-W48")
		require.NoError(t, err)
		e.interact(t, e.click(a.user, ms[0], blocks.ActionPulseHealthy, blocks.PulseValue(a.id, "2026-W48"), "h"))
	}

	e.clock.Advance(47 * time.Hour)
	require.Zero(t, e.tick(t).Reminders, "not before 48 hours")

	e.clock.Advance(time.Hour)
	sum := e.tick(t)
	require.Equal(t, 3, sum.Reminders, "every CSM's reminder slot is done")
	require.Equal(t, 2, sum.Messages, "but only Bob and Cat have gaps")
	require.Len(t, e.postsTo("UANN"), 1, "Ann answered everything: no reminder")
	bobs := e.postsTo("UBOB")
	require.Len(t, bobs, 2)
	require.Equal(t, []int64{bobB.ID}, blockAccounts(t, bobs[1]), "the reminder lists only what is unanswered")
	require.Contains(t, bobs[1].Param("blocks"), "Pulse reminder · 2026-W48")
	require.Equal(t, []int64{catA.ID}, blockAccounts(t, e.postsTo("UCAT")[1]))

	var kinds []string
	for _, m := range e.messages(t, bob, "2026-W48") {
		kinds = append(kinds, m.Kind)
	}
	require.Equal(t, []string{store.PulseCheckin, store.PulseReminder}, kinds)

	// A click on the reminder records and redraws the reminder and the check-in.
	rem := e.messages(t, bob, "2026-W48")[1]
	updatesBefore := len(e.slack.Calls("chat.update"))
	e.interact(t, e.click("UBOB", rem, blocks.ActionPulsePoor, blocks.PulseValue(bobB.ID, "2026-W48"), "rem"))
	require.Equal(t, "poor", string(e.answer(t, bobB.ID, "2026-W48").Rating))
	require.Len(t, e.slack.Calls("chat.update"), updatesBefore+2, "both messages listing the account show the answer")

	e.clock.Advance(6 * time.Hour)
	require.Zero(t, e.tick(t).Messages, "one reminder a week")
}

func TestPulseUnansweredListsWhoHasGaps(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann, bob := e.csm(t, "Ann", "UANN", "UTC"), e.csm(t, "Bob", "UBOB", "UTC")
	annA := e.account(t, "Ann A", ann, 30)
	e.account(t, "Bob A", bob, 30)
	e.account(t, "Bob B", bob, 30)
	e.tick(t)
	ms := e.messages(t, ann, "2026-W48")
	e.interact(t, e.click("UANN", ms[0], blocks.ActionPulseHealthy, blocks.PulseValue(annA.ID, "2026-W48"), "h"))

	gaps, err := pulse.PulseUnanswered(context.Background(), e.st, "2026-W48")
	require.NoError(t, err)
	require.Len(t, gaps, 1)
	require.Equal(t, "Bob", gaps[0].CSM.Name)
	require.Equal(t, []string{"Bob A", "Bob B"}, gaps[0].Missing)
}
