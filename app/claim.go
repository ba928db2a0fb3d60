package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/internal/safely"
	"github.com/healthbot/healthbot/store"
)

// DefaultLease is how long a job_run claim lives without a heartbeat: a
// claimant refreshes it every quarter lease while its run goes on, so a
// claim whose process died (kill -9, lost host, a serve that failed to
// start) is retaken by another replica or a restart within this time.
const DefaultLease = 2 * time.Minute

// JobClaimer is the part of the store that claims job_run slots: one run per
// (job, slot) across replicas and restarts, held as a lease that the
// claimant keeps alive with heartbeats.
type JobClaimer interface {
	TakeJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (store.JobClaim, error)
	HeartbeatJobRun(ctx context.Context, name, slot, instance string, now time.Time) (bool, error)
	ReleaseJobRun(ctx context.Context, name, slot, instance string) error
	FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error
	JobRun(ctx context.Context, name, slot string) (store.JobRun, error)
}

// Claim runs work under a job_run claim. It is the one home of the claim
// protocol: the scheduler's jobs, the steps a job claims on its own (the
// daily rollup) and each CSM's weekly pulse send all go through Run.
type Claim struct {
	Claims   JobClaimer
	Clock    clockwork.Clock // nil: the real clock
	Logger   *slog.Logger    // nil: discard
	Instance string          // this replica, recorded in job_run.claimed_by
	Lease    time.Duration   // 0: DefaultLease
	// Retry, when set, says whether a failure of the work may pass by
	// itself (network, a 5xx, a rate limit). Such a run is neither finished
	// nor released: its claim stays open and stops heartbeating, so the
	// slot is retaken once the lease runs out and the work is tried again
	// then (a pulse send resumes the pages still missing). A failure Retry
	// refuses is recorded on the slot like any other. nil: every failure
	// is final.
	Retry func(error) bool
}

// ClaimOutcome says what Claim.Run did with a slot.
type ClaimOutcome struct {
	Ran bool // this caller claimed the slot and ran the work
	// Done: the slot was already finished (by anyone); nothing to do.
	Done bool
	// Held: another live claimant holds the slot; RetryAt is when its
	// lease runs out if it stops heartbeating.
	Held    bool
	Holder  string
	RetryAt time.Time
	// Released: the run was interrupted (shutdown) and gave the slot up.
	Released bool
	// Open: the run failed in a way Claim.Retry says may pass; the claim
	// was left open to be retaken after its lease.
	Open bool
}

// errClaimLost cancels a run whose claim was retaken or could not be
// renewed for a whole lease: another replica may be running the slot now.
var errClaimLost = errors.New("job_run claim lost: its lease ran out without a heartbeat")

func (c Claim) clock() clockwork.Clock {
	if c.Clock == nil {
		return clockwork.NewRealClock()
	}
	return c.Clock
}

func (c Claim) lease() time.Duration {
	if c.Lease <= 0 {
		return DefaultLease
	}
	return c.Lease
}

func (c Claim) log() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

// Run claims (name, slot) and, when it wins, runs fn while heartbeating
// the claim. A claim retaken from a claimant whose heartbeat stopped is
// logged at WARN. fn's outcome is recorded on the slot, except when ctx was
// cancelled under it (shutdown): then the claim is released, so the next
// replica or start runs the slot at once instead of finding it "done"; and
// except when c.Retry accepts fn's error: then the claim is left open (see
// Retry). A panic in fn is an error with its stack (safely.Call), logged at
// ERROR. The returned error is fn's or the claim's.
func (c Claim) Run(ctx context.Context, name, slot string, fn func(context.Context) error) (ClaimOutcome, error) {
	log := c.log().With("job", name, "slot", slot)
	clock, lease := c.clock(), c.lease()
	got, err := c.Claims.TakeJobRun(ctx, name, slot, c.Instance, clock.Now(), lease)
	if err != nil {
		return ClaimOutcome{}, fmt.Errorf("claim job %s slot %s: %w", name, slot, err)
	}
	if !got.Won {
		if !got.Current.FinishedAt.IsZero() {
			log.DebugContext(ctx, "job_run: slot already done", "by", got.Current.ClaimedBy)
			return ClaimOutcome{Done: true}, nil
		}
		retry := got.Current.HeartbeatAt.Add(lease + time.Second)
		log.DebugContext(ctx, "job_run: slot held by a live claimant", "by", got.Current.ClaimedBy, "retry_at", retry)
		return ClaimOutcome{Held: true, Holder: got.Current.ClaimedBy, RetryAt: retry}, nil
	}
	if got.Previous != "" {
		log.WarnContext(ctx, "job_run: retaking a slot whose claimant stopped heartbeating (crashed or stopped mid-run)",
			"previous", got.Previous, "lease", lease)
	}

	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.heartbeat(runCtx, log, name, slot, stop, cancel)
	}()
	runErr := safely.Call(func() error { return fn(runCtx) })
	close(stop)
	wg.Wait()
	if pe, ok := errors.AsType[*safely.PanicError](runErr); ok {
		log.ErrorContext(ctx, "job_run: run panicked", "err", pe, "stack", string(pe.Stack))
	}

	switch {
	case errors.Is(context.Cause(runCtx), errClaimLost):
		log.WarnContext(ctx, "job_run: run abandoned: its claim was lost", "err", runErr)
		return ClaimOutcome{Ran: true}, errors.Join(errClaimLost, runErr)
	case ctx.Err() != nil && runErr != nil:
		if rerr := c.Claims.ReleaseJobRun(context.WithoutCancel(ctx), name, slot, c.Instance); rerr != nil {
			log.ErrorContext(ctx, "job_run: releasing an interrupted claim", "err", rerr)
		} else {
			log.WarnContext(ctx, "job_run: run interrupted by shutdown; slot released for the next replica or start")
		}
		return ClaimOutcome{Ran: true, Released: true}, runErr
	case runErr != nil && c.Retry != nil && c.Retry(runErr):
		log.WarnContext(ctx, "job_run: run failed but may succeed later; claim left open to be retaken after its lease",
			"err", runErr, "lease", lease)
		return ClaimOutcome{Ran: true, Open: true}, runErr
	}
	if ferr := c.Claims.FinishJobRun(context.WithoutCancel(ctx), name, slot, c.Instance, clock.Now(), runErr); ferr != nil {
		log.ErrorContext(ctx, "job_run: recording the outcome", "err", ferr)
		return ClaimOutcome{Ran: true}, errors.Join(runErr, ferr)
	}
	return ClaimOutcome{Ran: true}, runErr
}

// heartbeat renews the claim every quarter lease until stop closes. A
// claim found retaken, or not renewed for a whole lease (the database was
// unreachable), cancels the run with errClaimLost.
func (c Claim) heartbeat(ctx context.Context, log *slog.Logger, name, slot string, stop <-chan struct{}, cancel context.CancelCauseFunc) {
	clock, lease := c.clock(), c.lease()
	t := clock.NewTicker(lease / 4)
	defer t.Stop()
	last := clock.Now()
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		case <-t.Chan():
		}
		now := clock.Now()
		ok, err := c.Claims.HeartbeatJobRun(ctx, name, slot, c.Instance, now)
		switch {
		case err == nil && ok:
			last = now
		case err == nil:
			log.WarnContext(ctx, "job_run: claim was retaken by another replica; stopping this run")
			cancel(errClaimLost)
			return
		case now.Sub(last) >= lease:
			log.ErrorContext(ctx, "job_run: heartbeat failing for a whole lease; stopping this run", "err", err)
			cancel(errClaimLost)
			return
		default:
			log.WarnContext(ctx, "job_run: heartbeat failed; retrying", "err", err)
		}
	}
}
