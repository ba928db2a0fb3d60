package pulse_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/store"
)

// annOnVacation answers users.info for U_ANN with an out-of-office status.
func annOnVacation(c bottest.Call) *bottest.Reply {
	if c.Method == "users.info" && c.Param("user") == "U_ANN" {
		return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{
			"id": "U_ANN", "team_id": "T1", "name": "ann", "tz": "UTC",
			"profile": map[string]any{"status_text": "Vacationing", "status_emoji": ":palm_tree:", "status_expiration": 0},
		}}}
	}
	return nil
}

// statusFromGate reads Slack statuses through a Gate over the env's client.
func statusFromGate(c *pulse.PulseConfig) {
	if api, ok := c.Slack.(*slack.Client); ok {
		c.Status = access.NewGate(access.GateConfig{Directory: access.SlackAccess{API: api}, Now: c.Now})
	}
}

func TestAwayCSMGetsNothingAndTheCoverGetsTheirAccounts(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday.Add(-time.Hour), pulseOpts{reply: annOnVacation, cfg: statusFromGate})
	maya := e.csm(t, "Maya", "U_MAYA", "UTC")
	sam := e.csm(t, "Sam", "U_SAM", "UTC")
	ann := e.csm(t, "Ann", "U_ANN", "UTC")
	m1 := e.account(t, "Maya One", maya, 30)
	m2 := e.account(t, "Maya Two", maya, 60)
	s1 := e.account(t, "Sam One", sam, 50)
	n1 := e.account(t, "Ann One", ann, 40)

	e.command(t, "U_MAYA", "away until 2026-11-30 cover @sam", "away")
	require.Contains(t, e.hooks.WaitFor(t, "away").Message.Text, "You are away until *Mon Nov 30, 2026*")
	e.command(t, "U_MAYA", "away until yesterday", "bad")
	require.Contains(t, e.hooks.WaitFor(t, "bad").Message.Text, "is not a date")

	e.clock.Advance(time.Hour) // Monday 10:05: check-ins are due
	sum := e.tick(t)
	require.Equal(t, 2, sum.Away, "Maya by /health away, Ann by her Slack status")
	require.Empty(t, e.postsTo("U_MAYA"))
	require.Empty(t, e.postsTo("U_ANN"))
	posts := e.postsTo("U_SAM")
	require.Len(t, posts, 1)
	require.ElementsMatch(t, []int64{m1.ID, m2.ID, s1.ID}, blockAccounts(t, posts[0]), "the cover is asked about Maya's accounts too")
	require.NotContains(t, blockAccounts(t, posts[0]), n1.ID, "Ann named no cover")
	// The cover answers for Maya's account like for their own.
	samMsgs := e.messages(t, sam, "2026-W48")
	require.Len(t, samMsgs, 1)
	e.interact(t, e.click("U_SAM", samMsgs[0], blocks.ActionPulsePoor, blocks.PulseValue(m1.ID, "2026-W48"), "cover-answer"))
	got := e.answer(t, m1.ID, "2026-W48")
	require.NotNil(t, got)
	require.Equal(t, sam.ID, got.CSMID)

	// Two days later the reminder goes to the cover only.
	e.clock.Advance(48 * time.Hour)
	sum = e.tick(t)
	require.Equal(t, 1, sum.Reminders)
	require.Empty(t, e.postsTo("U_MAYA"))
	require.Empty(t, e.postsTo("U_ANN"))
	require.Len(t, e.postsTo("U_SAM"), 2)

	// Back: the next week's check-in is Maya's again.
	e.command(t, "U_MAYA", "away off", "back")
	require.Contains(t, e.hooks.WaitFor(t, "back").Message.Text, "Welcome back")
	e.clock.Advance(5 * 24 * time.Hour)
	e.tick(t)
	require.Len(t, e.postsTo("U_MAYA"), 1)
	require.ElementsMatch(t, []int64{m1.ID, m2.ID}, blockAccounts(t, e.postsTo("U_MAYA")[0]))
}

func TestLaterResendsTheCheckinOnceFourHoursLater(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	sam := e.csm(t, "Sam", "U_SAM", "UTC")
	s1 := e.account(t, "Sam One", sam, 50)
	s2 := e.account(t, "Sam Two", sam, 60)
	e.tick(t)
	msgs := e.messages(t, sam, "2026-W48")
	require.Len(t, msgs, 1)
	require.Contains(t, e.postsTo("U_SAM")[0].Param("blocks"), `"action_id":"pulse_later"`)

	e.interact(t, e.click("U_SAM", msgs[0], blocks.ActionPulseLater, "2026-W48", "later"))
	require.Equal(t, "OK — I'll bring this check-in back at 14:05 (once).", e.hooks.WaitFor(t, "later").Message.Text)
	e.interact(t, e.click("U_SAM", msgs[0], blocks.ActionPulseHealthy, blocks.PulseValue(s1.ID, "2026-W48"), "s1"))

	e.clock.Advance(4*time.Hour - time.Minute)
	require.Zero(t, e.tick(t).Laters)
	require.Len(t, e.postsTo("U_SAM"), 1, "not before four hours")

	e.clock.Advance(time.Minute)
	sum := e.tick(t)
	require.Equal(t, 1, sum.Laters)
	posts := e.postsTo("U_SAM")
	require.Len(t, posts, 2)
	require.True(t, strings.HasPrefix(posts[1].Param("text"), "Back as you asked: 1 account to rate"), posts[1].Param("text"))
	require.Equal(t, []int64{s2.ID}, blockAccounts(t, posts[1]), "only what is still unanswered")
	require.NotContains(t, posts[1].Param("blocks"), `"action_id":"pulse_later"`, "no second Later on the re-send")

	// Later works once a week.
	e.interact(t, e.click("U_SAM", msgs[0], blocks.ActionPulseLater, "2026-W48", "again"))
	require.Equal(t, blocks.PulseLaterAgainText, e.hooks.WaitFor(t, "again").Message.Text)
	e.clock.Advance(5 * time.Hour)
	require.Zero(t, e.tick(t).Laters)
	require.Len(t, e.postsTo("U_SAM"), 2)
	later := 0
	for _, m := range e.messages(t, sam, "2026-W48") {
		if m.Kind == store.PulseLater {
			later++
		}
	}
	require.Equal(t, 1, later)
}
