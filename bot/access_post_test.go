package bot_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot"
)

// guardFunc is a ChannelGuard of a function.
type guardFunc func(ctx context.Context, channel string) error

func (f guardFunc) CheckChannel(ctx context.Context, channel string) error { return f(ctx, channel) }

// connected says the channel named is shared with another organisation.
func connected(shared string) bot.ChannelGuard {
	return guardFunc(func(_ context.Context, ch string) error {
		if ch == shared {
			return fmt.Errorf("%s: %w", ch, bot.ErrSharedChannel)
		}
		return nil
	})
}

func TestDigestIsNotPostedToASharedChannel(t *testing.T) {
	t.Parallel()
	d, b := setupDigest(t, nil, func(c *bot.DigestConfig) { c.Guard = connected("C0DIGEST") })
	_, err := d.Post(context.Background(), digestAt)
	require.ErrorIs(t, err, bot.ErrSharedChannel)
	require.ErrorContains(t, err, "HEALTHBOT_DIGEST_CHANNEL")
	require.Empty(t, b.slack.Calls("chat.postMessage"))
}

func TestAlertsAreNotPostedToASharedChannel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := setupAlertRun(t, nil, "", "U_OWNER")
	a := bot.NewAlerts(bot.AlertsConfig{Store: s.st, Slack: s.api, Channel: alertChannel, Now: s.clock.Now, PostFirstRun: true,
		Retry: bot.RateLimitRetrier{Sleep: func(context.Context, time.Duration) error { return nil }}, Guard: connected(alertChannel)})
	sum, err := a.EvaluateAndPostAlerts(ctx, s.day)
	require.NoError(t, err)
	require.Equal(t, 1, sum.Fired)
	require.Equal(t, 1, sum.Failed, "the channel post is refused")
	require.Equal(t, []string{"U_OWNER"}, channels(s.fake.Calls("chat.postMessage")), "the owner's DM still goes")
}
