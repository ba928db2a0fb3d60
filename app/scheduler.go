package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/store"
)

// Job is one scheduled piece of work. Run receives the occurrence it serves
// (not the wall-clock time), so a late catch-up run still reports on the
// right week or day.
type Job struct {
	Name    string
	Cadence Cadence
	// CatchUp is how long after a missed occurrence a starting bot still
	// runs it; 0 uses the scheduler's default, negative never catches up.
	CatchUp time.Duration
	Run     func(ctx context.Context, occ time.Time) error
}

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Claims   JobClaimer
	Clock    clockwork.Clock // nil: the real clock
	Logger   *slog.Logger
	Location *time.Location // zone of Weekly and Daily cadences; nil means UTC
	Instance string         // names this replica in job_run.claimed_by
	CatchUp  time.Duration  // default catch-up window; 0 means 12h
	// Lease: a claim not renewed by a heartbeat for this long is retaken
	// (its claimant died); 0 means DefaultLease.
	Lease time.Duration
}

// Scheduler runs jobs on gocron; each occurrence runs once across every
// replica sharing the database, because it first claims its job_run slot
// (see Claim). A slot held by another replica is looked at again when that
// claim's lease would run out, so a claimant that died mid-run is replaced
// within a lease, as long as the occurrence is within its catch-up window.
type Scheduler struct {
	cfg   SchedulerConfig
	claim Claim
	cron  gocron.Scheduler
	jobs  []Job

	mu      sync.Mutex
	ctx     context.Context // cancelled by Shutdown; rechecks run under it
	cancel  context.CancelFunc
	timers  map[clockwork.Timer]bool
	pending sync.WaitGroup
}

// NewScheduler builds a stopped scheduler.
func NewScheduler(cfg SchedulerConfig) (*Scheduler, error) {
	if cfg.Claims == nil {
		return nil, errors.New("scheduler: no job claimer")
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CatchUp == 0 {
		cfg.CatchUp = 12 * time.Hour
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Instance == "" {
		cfg.Instance = "healthbot"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	cron, err := gocron.NewScheduler(gocron.WithClock(cfg.Clock), gocron.WithLocation(cfg.Location))
	if err != nil {
		return nil, fmt.Errorf("scheduler: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{cfg: cfg, cron: cron, ctx: ctx, cancel: cancel, timers: map[clockwork.Timer]bool{},
		claim: Claim{Claims: cfg.Claims, Clock: cfg.Clock, Logger: cfg.Logger, Instance: cfg.Instance, Lease: cfg.Lease}}, nil
}

// Add registers a job; call before Start.
func (s *Scheduler) Add(job Job) error {
	if job.Name == "" || job.Cadence == nil || job.Run == nil {
		return errors.New("scheduler: a job needs a name, a cadence and a Run func")
	}
	if loc := cadenceLocation(job.Cadence); loc != nil && loc.String() != s.cfg.Location.String() {
		return fmt.Errorf("scheduler: job %s is in zone %s but the scheduler runs in %s", job.Name, loc, s.cfg.Location)
	}
	_, err := s.cron.NewJob(job.Cadence.definition(), gocron.NewTask(s.task(job)), s.jobOptions(job)...)
	if err != nil {
		return fmt.Errorf("scheduler: job %s: %w", job.Name, err)
	}
	s.jobs = append(s.jobs, job)
	return nil
}

// Start catches up missed occurrences within their window, then starts
// firing jobs on schedule. It does not block.
func (s *Scheduler) Start(ctx context.Context) error {
	now := s.cfg.Clock.Now()
	for _, job := range s.jobs {
		occ := job.Cadence.Prev(now)
		late := now.Sub(occ)
		window := job.CatchUp
		if window == 0 {
			window = s.cfg.CatchUp
		}
		if late > window {
			s.skipped(ctx, job, occ, late, window)
			continue
		}
		_, err := s.cron.NewJob(gocron.OneTimeJob(gocron.OneTimeJobStartImmediately()),
			gocron.NewTask(s.task(job)), s.jobOptions(job)...)
		if err != nil {
			return fmt.Errorf("scheduler: catch-up for %s: %w", job.Name, err)
		}
	}
	s.cron.Start()
	return nil
}

// cadenceLocation is the zone a calendar cadence fires in, nil for intervals.
func cadenceLocation(c Cadence) *time.Location {
	switch c := c.(type) {
	case Weekly:
		return c.loc()
	case Daily:
		return c.loc()
	case Monthly:
		return c.loc()
	}
	return nil
}

// skipped logs, at WARN, an occurrence past its catch-up window that never
// finished: that slot will not run. One that ran is only noted at DEBUG.
func (s *Scheduler) skipped(ctx context.Context, job Job, occ time.Time, late, window time.Duration) {
	slot := job.Cadence.Slot(occ)
	jr, err := s.cfg.Claims.JobRun(ctx, job.Name, slot)
	switch {
	case err == nil && !jr.FinishedAt.IsZero():
		s.cfg.Logger.Debug("scheduler: last occurrence already ran", "job", job.Name, "slot", slot)
	case err != nil && !errors.Is(err, store.ErrNotFound):
		s.cfg.Logger.Error("scheduler: reading the last occurrence's claim", "job", job.Name, "slot", slot, "err", err)
	default:
		s.cfg.Logger.Warn("scheduler: slot skipped: its occurrence never finished and is past its catch-up window",
			"job", job.Name, "slot", slot, "late", late.Round(time.Minute), "window", window)
	}
}

// Shutdown stops firing jobs, drops pending rechecks and waits for running
// jobs; a run cut short releases its slot (see Claim.Run).
func (s *Scheduler) Shutdown() error {
	s.mu.Lock()
	s.cancel()
	for t := range s.timers {
		if t.Stop() {
			s.pending.Done()
		}
	}
	clear(s.timers)
	s.mu.Unlock()
	err := s.cron.Shutdown()
	s.pending.Wait()
	return err
}

func (s *Scheduler) jobOptions(job Job) []gocron.JobOption {
	return []gocron.JobOption{
		gocron.WithName(job.Name),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	}
}

func (s *Scheduler) window(job Job) time.Duration {
	if job.CatchUp != 0 {
		return job.CatchUp
	}
	return s.cfg.CatchUp
}

// task is what gocron fires: the job's current occurrence, under its claim.
func (s *Scheduler) task(job Job) func(ctx context.Context) {
	return func(ctx context.Context) {
		s.runSlot(ctx, job, job.Cadence.Prev(s.cfg.Clock.Now()))
	}
}

// runSlot runs one occurrence under its job_run claim. A slot held by
// another claimant is looked at again when that claim's lease would run
// out; a claim that fails (database unreachable) is retried a lease later.
func (s *Scheduler) runSlot(ctx context.Context, job Job, occ time.Time) {
	slot := job.Cadence.Slot(occ)
	log := s.cfg.Logger.With("job", job.Name, "slot", slot)
	out, err := s.claim.Run(ctx, job.Name, slot, func(ctx context.Context) error { return job.Run(ctx, occ) })
	switch {
	case out.Held:
		s.recheck(job, occ, out.RetryAt)
	case !out.Ran && err != nil:
		log.Error("scheduler: claiming slot", "err", err)
		s.recheck(job, occ, s.cfg.Clock.Now().Add(s.cfg.Lease))
	case out.Released:
	case err != nil:
		log.Error("scheduler: job failed", "err", err)
	case out.Ran:
		log.Info("scheduler: job done")
	}
}

// recheck runs occ again at `at`, unless that is past its catch-up
// window (then the slot is skipped, at WARN) or the scheduler is shut down.
func (s *Scheduler) recheck(job Job, occ, at time.Time) {
	now := s.cfg.Clock.Now()
	if late, window := at.Sub(occ), s.window(job); window > 0 && late > window {
		s.cfg.Logger.Warn("scheduler: slot skipped: another replica still holds it and its catch-up window will have passed",
			"job", job.Name, "slot", job.Cadence.Slot(occ), "window", window)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ctx.Err() != nil {
		return
	}
	s.pending.Add(1)
	var t clockwork.Timer
	t = s.cfg.Clock.AfterFunc(max(at.Sub(now), 0), func() {
		defer s.pending.Done()
		s.mu.Lock()
		delete(s.timers, t)
		s.mu.Unlock()
		s.runSlot(s.ctx, job, occ)
	})
	s.timers[t] = true
}
