package chat

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

// sleeps records the waits a RateLimitRetrier asked for, without waiting.
type sleeps struct{ got []time.Duration }

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.got = append(s.got, d)
	return ctx.Err()
}

func TestRateLimitRetrierWaitsRetryAfter(t *testing.T) {
	t.Parallel()
	var s sleeps
	calls := 0
	err := RateLimitRetrier{Sleep: s.sleep}.Do(context.Background(), func(context.Context) error {
		calls++
		switch calls {
		case 1:
			return &slack.RateLimitedError{RetryAfter: 3 * time.Second}
		case 2:
			return &slack.RateLimitedError{} // no Retry-After: wait a second anyway
		default:
			return nil
		}
	})
	require.NoError(t, err)
	require.Equal(t, 3, calls)
	require.Equal(t, []time.Duration{3 * time.Second, time.Second}, s.got)
}

func TestRateLimitRetrierGivesUp(t *testing.T) {
	t.Parallel()
	var s sleeps
	calls := 0
	err := RateLimitRetrier{MaxRetries: 2, Sleep: s.sleep}.Do(context.Background(), func(context.Context) error {
		calls++
		return &slack.RateLimitedError{RetryAfter: time.Second}
	})
	_, limited := errors.AsType[*slack.RateLimitedError](err)
	require.True(t, limited, "the last rate-limit error is returned: %v", err)
	require.Equal(t, 3, calls, "one call and two retries")
}

func TestRateLimitRetrierPassesOtherErrorsThrough(t *testing.T) {
	t.Parallel()
	var s sleeps
	boom := errors.New("channel_not_found")
	calls := 0
	err := RateLimitRetrier{Sleep: s.sleep}.Do(context.Background(), func(context.Context) error {
		calls++
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 1, calls)
	require.Empty(t, s.got)
}

func TestRateLimitRetrierStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := RateLimitRetrier{MaxRetries: -1}.Do(ctx, func(context.Context) error {
		return &slack.RateLimitedError{RetryAfter: time.Hour}
	})
	require.ErrorIs(t, err, context.Canceled)
}

// TestRateLimitRetrierAgainstSlack429 goes through slack-go: a real 429
// with Retry-After from the fake Slack becomes a RateLimitedError, and the
// message is delivered once Slack lets it through.
func TestRateLimitRetrierAgainstSlack429(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	fake := bottest.NewSlack(t, func(c bottest.Call) *bottest.Reply {
		if c.Method == "chat.postMessage" && n.Add(1) <= 2 {
			return &bottest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"7"}}, Body: map[string]any{"ok": false, "error": "ratelimited"}}
		}
		return nil
	})
	api := slack.New("xoxb-test", slack.OptionAPIURL(strings.TrimSuffix(fake.APIURL(), "/")+"/"))
	var s sleeps
	err := RateLimitRetrier{Sleep: s.sleep}.Do(context.Background(), func(ctx context.Context) error {
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("hello", false))
		return err
	})
	require.NoError(t, err)
	require.Equal(t, []time.Duration{7 * time.Second, 7 * time.Second}, s.got)
	require.Len(t, fake.Calls("chat.postMessage"), 3)
}

// A post under way when its ctx is cancelled (shutdown) is finished, not
// abandoned: the caller gets its answer and can record it. Once ctx has
// ended no post starts.
func TestDoFinishingFinishesACallUnderWayButStartsNoneAfterCancel(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	err := RateLimitRetrier{}.DoFinishing(ctx, func(call context.Context) error {
		cancel() // shutdown, mid-call
		return call.Err()
	})
	require.NoError(t, err, "the call's own context outlives the cancel")

	calls := 0
	err = RateLimitRetrier{}.DoFinishing(ctx, func(context.Context) error {
		calls++
		return nil
	})
	require.ErrorIs(t, err, context.Canceled)
	require.Zero(t, calls)
}
