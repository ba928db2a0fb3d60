package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// DefaultRateLimitRetries is how many 429s in a row a call may get before
// RateLimitRetrier gives up.
const DefaultRateLimitRetries = 5

// minRetryAfter guards against a 429 without a usable Retry-After.
const minRetryAfter = time.Second

// RateLimitRetrier repeats a Slack call that was answered 429, waiting the
// Retry-After Slack asked for, so fan-outs pace themselves instead of
// dropping messages. Other errors return at once.
type RateLimitRetrier struct {
	// MaxRetries bounds the retries of one call: 0 means
	// DefaultRateLimitRetries, a negative value retries until ctx ends.
	MaxRetries int
	// Sleep waits d or until ctx ends; nil means a real timer. Tests inject
	// one that records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Log, if set, gets one debug line per wait.
	Log *slog.Logger
}

// Do calls fn until it returns something other than a rate-limit error, or
// retries run out (the last *slack.RateLimitedError is returned, wrapped).
func (r RateLimitRetrier) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	maxRetries := r.MaxRetries
	if maxRetries == 0 {
		maxRetries = DefaultRateLimitRetries
	}
	sleep := r.Sleep
	if sleep == nil {
		sleep = SleepCtx
	}
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		retryAfter, ok := rateLimited(err)
		if !ok {
			return err
		}
		if maxRetries > 0 && attempt >= maxRetries {
			return fmt.Errorf("still rate limited after %d retries: %w", attempt, err)
		}
		wait := max(retryAfter, minRetryAfter)
		if r.Log != nil {
			r.Log.Debug("slack rate limited; waiting", "retry_after", wait, "attempt", attempt+1)
		}
		if err := sleep(ctx, wait); err != nil {
			return fmt.Errorf("waiting out a Slack rate limit: %w", err)
		}
	}
}

// PostTimeout bounds one Slack call that DoFinishing lets outlive its ctx.
const PostTimeout = 30 * time.Second

// DoFinishing is Do for a post the caller records as sent (its channel and
// ts): a call under way is finished even when ctx is cancelled (shutdown),
// within PostTimeout. Slack may already have the message, and a call
// abandoned for its answer left it unrecorded, so the next replica or start
// posted it again. No call starts once ctx has ended, and waits between
// retries still end with it.
func (r RateLimitRetrier) DoFinishing(ctx context.Context, fn func(ctx context.Context) error) error {
	return r.Do(ctx, Finishing(fn))
}

// Finishing is fn made to finish once started, as DoFinishing does, for a
// caller with a retrier of its own.
func Finishing(fn func(ctx context.Context) error) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		call, cancel := context.WithTimeout(context.WithoutCancel(ctx), PostTimeout)
		defer cancel()
		return fn(call)
	}
}

// rateLimited reports whether err is Slack's 429, and how long it asked us
// to wait (zero when a 429 came without Retry-After).
func rateLimited(err error) (time.Duration, bool) {
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return rl.RetryAfter, true
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code == http.StatusTooManyRequests {
		return 0, true
	}
	return 0, false
}

// SleepCtx waits d unless ctx ends first.
func SleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
