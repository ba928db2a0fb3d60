package pulse_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestPulseClickStoresTheAnswerBeforeUpdatingTheMessage(t *testing.T) {
	t.Parallel()
	// A committed schema, so the fake Slack can look in the database the
	// moment chat.update arrives.
	st := store.New(storetest.Schema(t))
	var acmeID atomic.Int64
	var storedAtUpdate atomic.Int32
	e := newPulseEnv(t, pulseMonday, pulseOpts{st: st, reply: func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.update" {
			var n int32
			if err := st.DB().QueryRow(context.Background(),
				"SELECT count(*) FROM pulse WHERE account_id = $1 AND week = '2026-W48' AND rating = 'poor'", acmeID.Load()).Scan(&n); err == nil {
				storedAtUpdate.Store(n)
			}
		}
		return nil
	}})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	acmeID.Store(acme.ID)
	beta := e.account(t, "Beta", ann, 60)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]

	e.interact(t, e.click("UANN", m, blocks.ActionPulsePoor, blocks.PulseValue(acme.ID, "2026-W48"), "poor"))

	got := e.answer(t, acme.ID, "2026-W48")
	require.NotNil(t, got, "the click is stored")
	require.Equal(t, scoring.RatingPoor, got.Rating)
	require.Equal(t, ann.ID, got.CSMID)
	require.Equal(t, pulseMonday, got.AnsweredAt.UTC())
	require.Nil(t, e.answer(t, beta.ID, "2026-W48"))

	updates := e.slack.Calls("chat.update")
	require.Len(t, updates, 1)
	require.Equal(t, m.ChannelID, updates[0].Param("channel"))
	require.Equal(t, m.TS, updates[0].Param("ts"))
	require.Contains(t, updates[0].Param("blocks"), "✅ Recorded: 🙁 *Poor*")
	require.Equal(t, []int64{acme.ID, beta.ID}, blockAccounts(t, updates[0]), "the same page, same order")
	require.Equal(t, int32(1), storedAtUpdate.Load(), "the answer was in the database when the message changed")
	require.Empty(t, e.hooks.Posts(), "no extra reply: the message itself shows the answer")
}

func TestPulseSameClickTwiceLeavesOneRowAndAnotherChangesIt(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]
	value := blocks.PulseValue(acme.ID, "2026-W48")

	e.interact(t, e.click("UANN", m, blocks.ActionPulsePoor, value, "c1"))
	e.clock.Advance(time.Minute)
	e.interact(t, e.click("UANN", m, blocks.ActionPulsePoor, value, "c2"))
	require.Equal(t, 1, pulseRows(t, e.st, acme.ID, "2026-W48"))

	e.clock.Advance(time.Hour)
	e.interact(t, e.click("UANN", m, blocks.ActionPulseConcerning, value, "c3"))
	require.Equal(t, 1, pulseRows(t, e.st, acme.ID, "2026-W48"), "a new answer replaces the week's answer")
	got := e.answer(t, acme.ID, "2026-W48")
	require.Equal(t, scoring.RatingConcerning, got.Rating)
	require.Equal(t, pulseMonday.Add(time.Hour+time.Minute), got.AnsweredAt.UTC())
	require.Len(t, e.slack.Calls("chat.update"), 3)
}

func TestPulseClickOnAnOldCheckinRecordsForItsWeekOrSaysItClosed(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	w48 := e.messages(t, ann, "2026-W48")[0]

	// A week later the W49 check-in is out; a click on the W48 one still
	// records for W48, never for W49.
	e.clock.Advance(7 * 24 * time.Hour)
	e.tick(t)
	e.interact(t, e.click("UANN", w48, blocks.ActionPulseHealthy, blocks.PulseValue(acme.ID, "2026-W48"), "late"))
	require.Equal(t, scoring.RatingHealthy, e.answer(t, acme.ID, "2026-W48").Rating)
	require.Nil(t, e.answer(t, acme.ID, "2026-W49"))
	last := e.slack.Calls("chat.update")
	require.Equal(t, w48.TS, last[len(last)-1].Param("ts"), "the old message shows its own week's answer")

	// Two weeks on, W48 has closed: nothing is recorded, and the CSM is told.
	e.clock.Advance(7 * 24 * time.Hour)
	e.interact(t, e.click("UANN", w48, blocks.ActionPulsePoor, blocks.PulseValue(acme.ID, "2026-W48"), "closed"))
	require.Equal(t, scoring.RatingHealthy, e.answer(t, acme.ID, "2026-W48").Rating, "a closed week keeps its answer")
	require.Nil(t, e.answer(t, acme.ID, "2026-W50"))
	post := e.hooks.WaitFor(t, "closed")
	require.Contains(t, post.Message.Text, "check-in for 2026-W48 has closed")
	require.NotEqual(t, "in_channel", post.Message.ResponseType)
}

func TestPulseClickFromSomeoneUnknownRecordsNothing(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	forged := store.PulseMessage{ChannelID: "DX", TS: "1.1"}
	e.interact(t, e.click("USTRANGER", forged, blocks.ActionPulsePoor, blocks.PulseValue(acme.ID, "2026-W48"), "who"))
	require.Zero(t, pulseRows(t, e.st, acme.ID, "2026-W48"))
	require.Contains(t, e.hooks.WaitFor(t, "who").Message.Text, "don't know you")

	e.interact(t, e.click("UANN", forged, blocks.ActionPulsePoor, fmt.Sprint(acme.ID, "|2026-W99"), "bad"))
	require.Contains(t, e.hooks.WaitFor(t, "bad").Message.Text, "no longer works")
}

func TestPulseAnswerIsKeptWhenTheMessageCannotBeUpdated(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{reply: func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.update" {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "message_not_found"}}
		}
		return nil
	}})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	acme := e.account(t, "Acme", ann, 30)
	e.tick(t)
	m := e.messages(t, ann, "2026-W48")[0]
	e.interact(t, e.click("UANN", m, blocks.ActionPulseHealthy, blocks.PulseValue(acme.ID, "2026-W48"), "kept"))
	require.Equal(t, scoring.RatingHealthy, e.answer(t, acme.ID, "2026-W48").Rating, "stored before the update was tried")
	require.Contains(t, e.hooks.WaitFor(t, "kept").Message.Text, "Recorded 🙂 Healthy for 2026-W48")
}
