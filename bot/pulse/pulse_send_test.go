package pulse_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func TestPulseWeeklyRunSendsOneDMPerCSMWithTheirAccounts(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{cfg: func(c *pulse.PulseConfig) {
		// Bob is known by email only; Slack knows him as UBOB.
		c.Owners = resolverFunc(func(_ context.Context, c scoring.CSM) (string, error) {
			if c.Email == "bob@example.com" {
				return "UBOB", nil
			}
			return c.SlackUserID, nil
		})
	}})
	ann, bob := e.csm(t, "Ann", "UANN", "UTC"), e.csm(t, "Bob", "", "UTC")
	nobody := e.csm(t, "Nobody", "UNOBODY", "UTC") // owns only a churned account
	green, red, unscored := e.account(t, "Green Co", ann, 82), e.account(t, "Red Co", ann, 21), e.account(t, "New Co", ann, -1)
	yellow := e.account(t, "Yellow Co", ann, 55)
	churned := e.fx.Account(scoring.Account{Name: "Gone Co", Owner: ann, ChurnedAt: e.fx.Day(3)})
	e.fx.Account(scoring.Account{Name: "Gone Too", Owner: nobody, ChurnedAt: e.fx.Day(3)})
	bobs := e.account(t, "Bob Co", bob, 40)

	sum := e.tick(t)
	require.Equal(t, 2, sum.Checkins)
	require.Len(t, e.slack.Calls("chat.postMessage"), 2, "one DM per CSM owning live accounts")
	annPosts := e.postsTo("UANN")
	require.Len(t, annPosts, 1)
	require.Equal(t, []int64{red.ID, yellow.ID, green.ID, unscored.ID}, blockAccounts(t, annPosts[0]), "worst score first, unscored last, no churned account")
	require.NotContains(t, annPosts[0].Param("blocks"), fmt.Sprint(churned.ID)+"|")
	require.Contains(t, annPosts[0].Param("blocks"), "Weekly pulse · 2026-W48")
	require.Contains(t, annPosts[0].Param("text"), "2026-W48")
	require.Equal(t, []int64{bobs.ID}, blockAccounts(t, e.postsTo("UBOB")[0]))

	ms := e.messages(t, ann, "2026-W48")
	require.Len(t, ms, 1, "the message ref is stored")
	require.Equal(t, store.PulseCheckin, ms[0].Kind)
	require.Equal(t, "UANN", ms[0].ChannelID)
	require.NotEmpty(t, ms[0].TS)

	e.clock.Advance(time.Hour)
	require.Zero(t, e.tick(t).Messages, "a later run the same week sends nothing")
	require.Len(t, e.slack.Calls("chat.postMessage"), 2)
}

func TestPulseCheckinWaitsForTheLocalTimeAndSkipsMissedWeeks(t *testing.T) {
	t.Parallel()
	early := time.Date(2026, 11, 23, 9, 55, 0, 0, time.UTC) // Monday, 5 minutes early
	e := newPulseEnv(t, early, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	e.account(t, "Acme", ann, 50)

	// Before 10:00 the latest occurrence is last week's, which is long past
	// MaxLate (the bot was not running): nothing is sent for it.
	require.Zero(t, e.tick(t).Messages)
	e.clock.Advance(5 * time.Minute)
	require.Equal(t, 1, e.tick(t).Messages)
	require.Equal(t, "2026-W48", e.messages(t, ann, "2026-W48")[0].Week)
}

func TestPulseCheckinSplitsLargePortfoliosAcrossMessages(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	var want []int64
	for i := range 45 {
		want = append(want, e.account(t, fmt.Sprintf("Account %02d", i), ann, float64(i)).ID)
	}
	e.tick(t)
	posts := e.postsTo("UANN")
	require.Len(t, posts, 3, "45 accounts at 20 a message")
	var got []int64
	for i, p := range posts {
		ids := blockAccounts(t, p)
		require.LessOrEqual(t, len(ids), blocks.PulsePageSize)
		require.Contains(t, p.Param("blocks"), fmt.Sprintf("(%d/3)", i+1))
		got = append(got, ids...)
	}
	require.Equal(t, want, got, "every account once, worst first across pages")
	ms := e.messages(t, ann, "2026-W48")
	require.Len(t, ms, 3)
	for i, m := range ms {
		require.Equal(t, i, m.Page)
		require.Equal(t, blockAccounts(t, posts[i]), m.AccountIDs, "each page's accounts are stored with it")
	}
}

func TestPulseCheckinSkipsCSMsSlackDoesNotKnow(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{cfg: func(c *pulse.PulseConfig) {
		c.Owners = resolverFunc(func(context.Context, scoring.CSM) (string, error) { return "", nil })
	}})
	ghost := e.csm(t, "Ghost", "", "UTC")
	e.account(t, "Acme", ghost, 50)
	require.Zero(t, e.tick(t).CSMs)
	require.Empty(t, e.slack.Calls("chat.postMessage"))
	_, err := e.st.JobRun(context.Background(), "pulse:"+fmt.Sprint(ghost.ID), "2026-W48")
	require.ErrorIs(t, err, store.ErrNotFound, "nothing is claimed, so a CSM who joins Slack later this week still gets it")
}

func TestPulseCheckinResumesAfterAFailureWithoutResending(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	e := newPulseEnv(t, pulseMonday, pulseOpts{reply: func(c bottest.Call) *bottest.Reply {
		// Slack is down for the second page of the first run.
		if failing.Load() && c.Method == "chat.postMessage" && strings.Contains(c.Param("blocks"), "(2/2)") {
			return &bottest.Reply{Status: 503, Body: "upstream down"}
		}
		return nil
	}})
	ann := e.csm(t, "Ann", "UANN", "UTC")
	for i := range 25 {
		e.account(t, fmt.Sprintf("Account %02d", i), ann, float64(i))
	}
	failing.Store(true)
	_, err := e.pulse.RunTick(context.Background())
	require.Error(t, err, "the failed page is reported")
	require.Len(t, e.messages(t, ann, "2026-W48"), 1, "the page Slack took is recorded")
	failing.Store(false)

	e.clock.Advance(5 * time.Minute)
	require.Zero(t, e.tick(t).Messages, "the claim is held while its lease runs")
	e.clock.Advance(10 * time.Minute)
	sum := e.tick(t)
	require.Equal(t, 1, sum.Messages, "only the missing page is sent")
	require.Equal(t, 1, sum.Checkins)
	ms := e.messages(t, ann, "2026-W48")
	require.Len(t, ms, 2)
	require.Len(t, slices.Concat(ms[0].AccountIDs, ms[1].AccountIDs), 25)
	run, err := e.st.JobRun(context.Background(), "pulse:"+fmt.Sprint(ann.ID), "2026-W48")
	require.NoError(t, err)
	require.False(t, run.FinishedAt.IsZero())
}
