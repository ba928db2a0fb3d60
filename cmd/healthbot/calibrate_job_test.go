package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

const jobsOpsChannel = "C0OPS"

// opsPosts are the chat.postMessage calls to the ops channel.
func (w *jobsWorld) opsPosts() []bottest.Call {
	var out []bottest.Call
	for _, c := range w.slack.Calls("chat.postMessage") {
		if c.Param("channel") == jobsOpsChannel {
			out = append(out, c)
		}
	}
	return out
}

// buttonOf finds the button actionID in a posted message, as Slack would
// echo it in a click.
func buttonOf(t *testing.T, c bottest.Call, actionID string) *slack.BlockAction {
	t.Helper()
	var bs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(c.Param("blocks")), &bs))
	for _, b := range bs {
		els, _ := b["elements"].([]any)
		for _, x := range els {
			m, _ := x.(map[string]any)
			if m["action_id"] == actionID {
				bid, _ := b["block_id"].(string)
				v, _ := m["value"].(string)
				return &slack.BlockAction{ActionID: actionID, BlockID: bid, Value: v, Type: "button"}
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, c.Param("blocks"))
	return nil
}

// clickOn sends a signed click of ba by user on the ops message ts to bot
// m, and returns what its handler answered at the response_url hook.
func clickOn(t *testing.T, m *Main, hooks *bottest.Catcher, user, ts, hook string, ba *slack.BlockAction) bottest.Post {
	t.Helper()
	cb := slack.InteractionCallback{
		Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user, TeamID: "T1"}, Team: slack.Team{ID: "T1"},
		Container:   slack.Container{Type: "message", ChannelID: jobsOpsChannel, MessageTs: ts},
		ResponseURL: hooks.URL(hook), TriggerID: "trigger-" + hook,
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{ba}},
	}
	code, _ := postSigned(t, "http://"+m.Addr()+"/slack/interactivity", bottest.InteractionBody(t, cb))
	require.Equal(t, 200, code)
	return hooks.WaitFor(t, hook)
}

// TestMonthlyCalibrationApproveOnceAcrossTwoBots: two bots on one database
// with HEALTHBOT_CALIBRATE=monthly both fire on the 1st at 07:00 New York
// time; one fit is posted to the ops channel. Approve on one bot puts it in
// force; Approve on the other changes nothing and says who approved. A
// later proposal dismissed changes nothing.
func TestMonthlyCalibrationApproveOnceAcrossTwoBots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := setupJobs(t, time.Date(2026, 12, 1, 6, 59, 0, 0, newYork))
	pool, err := pgxpool.New(ctx, w.url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	seedMiscalibrated(t, pool, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	env := map[string]string{"HEALTHBOT_CALIBRATE": "monthly", "HEALTHBOT_OPS_CHANNEL": jobsOpsChannel}
	a := w.start(t, "bot-a", env)
	b := w.start(t, "bot-b", env)
	hooks := bottest.NewCatcher(t)

	w.waitEvents(t, "score run", 1, finishOf("score"))
	w.armed(t)
	require.Empty(t, w.opsPosts(), "06:59: no calibration yet")
	w.clock.Advance(time.Minute)

	claims := w.waitEvents(t, "both bots' calibrate claims", 2, claimOf("calibrate"))
	done := w.waitEvents(t, "the calibration run", 1, finishOf("calibrate"))
	require.Empty(t, done[0].Err)
	require.Equal(t, 1, countWon(claims), "one claim wins")
	for _, c := range claims {
		require.Equal(t, "2026-12", c.Slot)
	}
	posts := w.opsPosts()
	require.Len(t, posts, 1, "two bots, one proposal")
	require.Contains(t, posts[0].Param("text"), "Calibration proposal")
	require.Contains(t, posts[0].Param("blocks"), "would change band")

	in, err := app.ScorecardsInForce(ctx, w.st, "")
	require.NoError(t, err)
	require.Equal(t, "built-in defaults", in.Source, "a proposal changes nothing until approved")

	approve := buttonOf(t, posts[0], blocks.ActionCalibrationApprove)
	ts := posts[0].Param("ts")
	first := clickOn(t, a, hooks, "U0OPS1", ts, "approve-a", approve)
	require.True(t, first.Message.ReplaceOriginal, "the proposal is rewritten in place")
	require.Contains(t, rawOf(first), "Approved by <@U0OPS1>")
	require.NotContains(t, rawOf(first), blocks.ActionCalibrationApprove, "no buttons once decided")
	second := clickOn(t, b, hooks, "U0OPS2", ts, "approve-b", approve)
	require.False(t, second.Message.ReplaceOriginal)
	require.Contains(t, second.Message.Text, "was already approved by <@U0OPS1>")

	id := mustID(t, approve.Value)
	v, err := w.st.ScorecardVersion(ctx, id)
	require.NoError(t, err)
	require.Equal(t, store.VersionApproved, v.Status)
	require.Equal(t, "U0OPS1", v.DecidedBy)
	require.True(t, v.DecidedAt.Equal(w.clock.Now()), "the approval time is the injected clock's")
	require.Greater(t, v.AUCAfter, v.AUCBefore)
	require.Equal(t, "calibrate (monthly)", v.Source)
	in, err = app.ScorecardsInForce(ctx, w.st, "")
	require.NoError(t, err)
	require.Equal(t, id, in.Version, "scoring uses the approved version from its next run")

	// A later proposal, dismissed: the approved version stays in force.
	next, err := a.calibrations().Propose(ctx, store.NewScorecardVersion{YAML: string(scoring.DefaultsYAML()), Source: "calibrate (monthly)",
		AUCBefore: 0.8, AUCAfter: 0.81, HasAUC: true, Summary: "Held-out AUC 0.80 → 0.81.", Replaces: in.Source})
	require.NoError(t, err)
	posts = w.opsPosts()
	require.Len(t, posts, 2)
	dismissed := clickOn(t, b, hooks, "U0OPS2", posts[1].Param("ts"), "dismiss-b", buttonOf(t, posts[1], blocks.ActionCalibrationDismiss))
	require.Contains(t, rawOf(dismissed), "Dismissed by <@U0OPS2>")
	v, err = w.st.ScorecardVersion(ctx, next.ID)
	require.NoError(t, err)
	require.Equal(t, store.VersionDismissed, v.Status)
	in, err = app.ScorecardsInForce(ctx, w.st, "")
	require.NoError(t, err)
	require.Equal(t, id, in.Version, "a dismissed calibration changes nothing")
	late := clickOn(t, a, hooks, "U0OPS1", posts[1].Param("ts"), "approve-late", buttonOf(t, posts[1], blocks.ActionCalibrationApprove))
	require.Contains(t, late.Message.Text, "was already dismissed by <@U0OPS2>")
	require.False(t, strings.Contains(w.logs.String(), "level=ERROR"), w.logs.String())

	// The next scoring run (a day later) scores, and evaluates alerts, with
	// the approved version, read at the run; no restart.
	w.armed(t)
	w.clock.Advance(24 * time.Hour)
	w.waitEvents(t, "the next day's score run", 2, finishOf("score"))
	require.Contains(t, w.logs.String(), fmt.Sprintf(`scorecards="scorecard version %d (calibrate (monthly), approved by U0OPS1`, id))
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	for _, r := range s {
		require.True(t, r >= '0' && r <= '9', "button value %q", s)
		id = id*10 + int64(r-'0')
	}
	return id
}

// rawOf is what a response_url received, with JSON's \u003c and friends
// read back as the characters Slack renders.
func rawOf(p bottest.Post) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(p.Raw))
}

// TestMonthlyCalibrationWithoutHistoryTellsOps: a young portfolio has no
// history to fit; the run says so in the ops channel and stores nothing.
func TestMonthlyCalibrationWithoutHistoryTellsOps(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 12, 1, 6, 59, 0, 0, newYork))
	w.start(t, "bot-a", map[string]string{"HEALTHBOT_CALIBRATE": "monthly", "HEALTHBOT_OPS_CHANNEL": jobsOpsChannel})
	w.waitEvents(t, "score run", 1, finishOf("score"))
	w.armed(t)
	w.clock.Advance(time.Minute)
	done := w.waitEvents(t, "the calibration run", 1, finishOf("calibrate"))
	require.Contains(t, done[0].Err, "there are no signals in the database")
	posts := w.opsPosts()
	require.Len(t, posts, 1)
	require.Contains(t, posts[0].Param("text"), "Scorecard calibration December 2026: nothing to propose, calibrate: there are no signals")
	vs, err := w.st.ScorecardVersions(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, vs)
}
