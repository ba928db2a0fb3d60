package bot_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/outcomes"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestAskOutcomesWaitsForAReachableOwner(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := storetest.Store(t)
	fake := bottest.NewSlack(t, fakeReplies(0))
	api := bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-test", APIURL: fake.APIURL()}, slog.New(slog.DiscardHandler))
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	owner, err := st.EnsureCSM(ctx, "ghost@example.com", "", "Ghost")
	require.NoError(t, err)
	_, err = st.UpsertAccount(ctx, scoring.Account{ExternalID: "gone", Name: "Gone", OwnerID: owner, ChurnedAt: now.AddDate(0, 0, -1)})
	require.NoError(t, err)
	_, err = st.UpsertAccount(ctx, scoring.Account{ExternalID: "long-gone", Name: "Long gone", OwnerID: owner, ChurnedAt: now.AddDate(-1, 0, 0)})
	require.NoError(t, err)

	offline := outcomes.New(outcomes.Config{Store: st})
	sum, err := offline.AskOutcomes(ctx, now)
	require.NoError(t, err)
	require.Equal(t, outcomes.RunSummary{Churns: 1}, sum, "recorded without Slack; a churn a year old is not asked about")

	o := outcomes.New(outcomes.Config{Store: st, Slack: api, Owners: bot.NewOwnerResolver(api, st, chat.RateLimitRetrier{}, nil, func() time.Time { return now })})
	sum, err = o.AskOutcomes(ctx, now)
	require.NoError(t, err)
	require.Equal(t, outcomes.RunSummary{Waiting: 1}, sum, "the owner is not in Slack: the question waits")
	sum, err = o.AskOutcomes(ctx, now.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, outcomes.RunSummary{Waiting: 1}, sum)
	require.Empty(t, fake.Calls("chat.postMessage"))

	_, err = st.EnsureCSM(ctx, "ghost@example.com", "U_GHOST", "")
	require.NoError(t, err)
	sum, err = o.AskOutcomes(ctx, now.AddDate(0, 0, 1))
	require.NoError(t, err)
	require.Equal(t, outcomes.RunSummary{Asked: 1}, sum)
	sum, err = o.AskOutcomes(ctx, now.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Equal(t, outcomes.RunSummary{}, sum, "asked once")
	posts := fake.Calls("chat.postMessage")
	require.Len(t, posts, 1)
	require.Equal(t, "U_GHOST", posts[0].Param("channel"))
	require.Contains(t, posts[0].Param("text"), "Gone churned")
}
