package bot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/store/storetest"
)

var newYork = mustZone("America/New_York")

// digestAt is Monday 09:00 in New York, the morning after healthtest's
// scores end (they end on the UTC date of now).
var digestAt = time.Date(2026, 11, 30, 9, 0, 0, 0, newYork)

type digestBundle struct {
	slack *bottest.Slack
	world healthtest.World
	waits []time.Duration
}

// setupDigest seeds healthtest's small portfolio (scores ending on Sunday)
// and a digest posting to #cs-digest on a fake Slack answering with reply.
func setupDigest(t *testing.T, reply bottest.ReplyFunc, mutate func(*bot.DigestConfig)) (*bot.Digest, *digestBundle) {
	t.Helper()
	st := storetest.Store(t)
	b := &digestBundle{slack: bottest.NewSlack(t, reply)}
	b.world = healthtest.New(t, st, time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)).Seed()
	cfg := bot.DigestConfig{
		Store: st, Slack: bot.NewSlackClient(bot.SlackConfig{BotToken: "xoxb-digest", APIURL: b.slack.APIURL()}, slog.New(slog.DiscardHandler)),
		Channel: "C0DIGEST", Location: newYork, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Retry: chat.RateLimitRetrier{Sleep: func(_ context.Context, d time.Duration) error { b.waits = append(b.waits, d); return nil }},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	return bot.NewDigest(cfg), b
}

func TestDigestPostsToTheChannel(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, nil, nil)
	post, err := d.Post(context.Background(), digestAt)
	require.NoError(t, err)
	require.Equal(t, "C0DIGEST", post.ChannelID)
	require.NotEmpty(t, post.TS)

	calls := b.slack.Calls("chat.postMessage")
	require.Len(t, calls, 1)
	c := calls[0]
	require.Equal(t, "C0DIGEST", c.Param("channel"))
	require.Equal(t, "xoxb-digest", c.Token())
	require.Contains(t, c.Param("text"), "Weekly health digest 2026-W49")
	bs := c.Param("blocks")
	require.Contains(t, bs, `"data_visualization"`, "the band history is a Block Kit chart")
	require.Contains(t, bs, "Monday, Nov 30 2026 · scores of Nov 29")
	require.Contains(t, bs, "*Acme*", "Acme fell the most")
	require.Contains(t, bs, "Jane Doe")
	require.NotContains(t, bs, "<@U0JANE>", "no one is pinged by the digest")

	require.Equal(t, 2026, post.Digest.ScoresAsOf.Year())
	require.Equal(t, "2026-W48", post.Digest.PulseWeek, "completion is reported for the week just ended")
}

func TestDigestFallsBackToTextChartsWhenSlackRefusesTheChart(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, func(c bottest.Call) *bottest.Reply {
		if strings.Contains(c.Param("blocks"), "data_visualization") {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "invalid_blocks"}}
		}
		return nil
	}, nil)
	_, err := d.Post(context.Background(), digestAt)
	require.NoError(t, err)
	calls := b.slack.Calls("chat.postMessage")
	require.Len(t, calls, 2)
	require.Contains(t, calls[1].Param("blocks"), "Accounts per band, last")
	require.Contains(t, calls[1].Param("blocks"), "`", "sparklines instead of the chart")
}

func TestDigestWaitsOutRateLimits(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	d, b := setupDigest(t, func(c bottest.Call) *bottest.Reply {
		if n.Add(1) <= 2 {
			return &bottest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3"}}}
		}
		return nil
	}, nil)
	_, err := d.Post(context.Background(), digestAt)
	require.NoError(t, err)
	require.Equal(t, []time.Duration{3 * time.Second, 3 * time.Second}, b.waits)
	require.Len(t, b.slack.Calls("chat.postMessage"), 3)
}

func TestDigestNeedsAChannel(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, nil, func(c *bot.DigestConfig) { c.Channel = "" })
	_, err := d.Post(context.Background(), digestAt)
	require.ErrorIs(t, err, bot.ErrNoDigestChannel)
	require.Empty(t, b.slack.Calls(""))
}

func TestDigestSlackErrorsAreErrors(t *testing.T) {
	t.Parallel()
	d, _ := setupDigest(t, func(bottest.Call) *bottest.Reply {
		return &bottest.Reply{Body: map[string]any{"ok": false, "error": "channel_not_found"}}
	}, nil)
	_, err := d.Post(context.Background(), digestAt)
	require.ErrorContains(t, err, "channel_not_found")
}

// With tables on, the digest's lists go out as data tables; a workspace
// that refuses them gets the text lists.
func TestDigestFallsBackToTextListsWhenSlackRefusesTables(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, func(c bottest.Call) *bottest.Reply {
		if strings.Contains(c.Param("blocks"), `"data_table"`) {
			return &bottest.Reply{Body: map[string]any{"ok": false, "error": "invalid_blocks"}}
		}
		return nil
	}, func(c *bot.DigestConfig) { c.Tables, c.TextChart = true, true })
	_, err := d.Post(context.Background(), digestAt)
	require.NoError(t, err)
	calls := b.slack.Calls("chat.postMessage")
	require.Len(t, calls, 2)
	require.Contains(t, calls[0].Param("blocks"), `"data_table"`, "the tables were tried first")
	require.NotContains(t, calls[1].Param("blocks"), `"data_table"`)
	require.Contains(t, calls[1].Param("blocks"), "Renewals in the next 90 days")
}
