package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/healthbot/healthbot/internal/safely"
)

// Runner defaults: room for bursts of slash commands whose answers wait on
// Slack or a language model (goroutines are cheap; the bound is against
// runaway growth), and time for a slow language-model answer (a
// response_url lives 30 minutes).
const (
	DefaultMaxInFlight = 1000
	DefaultJobTimeout  = 2 * time.Minute
)

// Errors from Runner.Reserve.
var (
	ErrBusy   = errors.New("bot: too many Slack jobs in flight")
	ErrClosed = errors.New("bot: runner is shutting down")
)

// Runner runs the work that follows an acknowledgement: a bounded number of
// jobs at once, each under a timeout, panics recovered, and Wait for a
// graceful shutdown. Handlers never start bare goroutines.
type Runner struct {
	log     *slog.Logger
	timeout time.Duration
	slots   chan struct{}
	base    context.Context
	cancel  context.CancelFunc

	mu      sync.Mutex
	closed  bool
	running int           // reserved or running jobs
	idle    chan struct{} // closed while running == 0
	wg      sync.WaitGroup
}

// NewRunner makes a Runner; maxInFlight and timeout ≤ 0 take the defaults.
func NewRunner(log *slog.Logger, maxInFlight int, timeout time.Duration) *Runner {
	if maxInFlight <= 0 {
		maxInFlight = DefaultMaxInFlight
	}
	if timeout <= 0 {
		timeout = DefaultJobTimeout
	}
	base, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &Runner{log: log, timeout: timeout, slots: make(chan struct{}, maxInFlight), base: base, cancel: cancel, idle: idle}
}

// Slot is a reserved place for one job: call Go exactly once, or Release.
type Slot struct {
	r    *Runner
	once sync.Once
}

// Reserve takes a slot without blocking, so a transport can decide what to
// answer Slack (busy or not) before any work starts.
func (r *Runner) Reserve() (*Slot, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	select {
	case r.slots <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	r.wg.Add(1)
	if r.running == 0 {
		r.idle = make(chan struct{})
	}
	r.running++
	return &Slot{r: r}, nil
}

// Go runs fn in the reserved slot with a context that ends at the job
// timeout or when Wait gives up; a panic is logged with its stack.
func (s *Slot) Go(name string, fn func(ctx context.Context)) {
	s.once.Do(func() { go s.r.run(name, fn) })
}

// Release gives the slot back unused.
func (s *Slot) Release() { s.once.Do(s.r.done) }

// Go reserves a slot and runs fn in it.
func (r *Runner) Go(name string, fn func(ctx context.Context)) error {
	s, err := r.Reserve()
	if err != nil {
		return err
	}
	s.Go(name, fn)
	return nil
}

// done frees the job's slot before it can signal idle, so that a caller
// woken by Idle always finds a free slot (it found one busy when the slot
// was freed after idle was signalled).
func (r *Runner) done() {
	<-r.slots
	r.mu.Lock()
	r.running--
	if r.running == 0 {
		close(r.idle)
	}
	r.mu.Unlock()
	r.wg.Done()
}

func (r *Runner) run(name string, fn func(context.Context)) {
	defer r.done()
	ctx, cancel := context.WithTimeout(r.base, r.timeout)
	defer cancel()
	err := safely.Call(func() error {
		fn(ctx)
		return nil
	})
	if p, ok := errors.AsType[*safely.PanicError](err); ok {
		r.log.Error("slack job panicked", "job", name, "panic", p.Value, "stack", string(p.Stack))
	}
}

// InFlight is the number of jobs reserved or running.
func (r *Runner) InFlight() int { return len(r.slots) }

// Idle waits until no job is reserved or running, without refusing new
// ones: tests and the console use it to know a handler has answered.
func (r *Runner) Idle(ctx context.Context) error {
	r.mu.Lock()
	idle := r.idle
	r.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait refuses new jobs and waits for the running ones. If ctx ends first,
// the jobs' contexts are cancelled and Wait returns ctx's error.
func (r *Runner) Wait(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	defer r.cancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for %d Slack jobs: %w", r.InFlight(), ctx.Err())
	}
}
