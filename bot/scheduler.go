package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/go-co-op/gocron/v2"
	"github.com/jonboulle/clockwork"
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

// JobClaimer is the part of the store the scheduler needs: one claim per
// (job, slot) across replicas and restarts.
type JobClaimer interface {
	ClaimJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (bool, error)
	FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error
}

// SchedulerConfig configures a Scheduler.
type SchedulerConfig struct {
	Claims   JobClaimer
	Clock    clockwork.Clock // nil: the real clock
	Logger   *slog.Logger
	Location *time.Location // zone of Weekly and Daily cadences; nil means UTC
	Instance string         // names this replica in job_run.claimed_by
	CatchUp  time.Duration  // default catch-up window; 0 means 12h
	Lease    time.Duration  // an unfinished claim older than this may be retaken; 0 means 1h
}

// Scheduler runs jobs on gocron; each occurrence runs at most once across
// every replica sharing the database, because it first claims its job_run
// slot through gocron's distributed locker.
type Scheduler struct {
	cfg  SchedulerConfig
	cron gocron.Scheduler
	jobs []Job
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
	if cfg.Lease == 0 {
		cfg.Lease = time.Hour
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
	return &Scheduler{cfg: cfg, cron: cron}, nil
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
			s.cfg.Logger.Info("scheduler: last occurrence is past its catch-up window; not running it",
				"job", job.Name, "slot", job.Cadence.Slot(occ), "late", late.Round(time.Minute), "window", window)
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

// Shutdown stops firing jobs and waits for running ones.
func (s *Scheduler) Shutdown() error { return s.cron.Shutdown() }

func (s *Scheduler) jobOptions(job Job) []gocron.JobOption {
	return []gocron.JobOption{
		gocron.WithName(job.Name),
		gocron.WithDistributedJobLocker(&slotLocker{s: s, job: job}),
		gocron.WithSingletonMode(gocron.LimitModeReschedule),
	}
}

// task wraps a job's Run: it recovers panics and records the outcome on the
// claimed slot. The locker has already claimed the slot when this runs.
func (s *Scheduler) task(job Job) func(ctx context.Context) {
	return func(ctx context.Context) {
		occ := job.Cadence.Prev(s.cfg.Clock.Now())
		slot := job.Cadence.Slot(occ)
		log := s.cfg.Logger.With("job", job.Name, "slot", slot)
		err := runRecovered(ctx, job, occ)
		if err != nil {
			log.Error("scheduler: job failed", "err", err)
		} else {
			log.Info("scheduler: job done")
		}
		if ferr := s.cfg.Claims.FinishJobRun(context.WithoutCancel(ctx), job.Name, slot, s.cfg.Instance, s.cfg.Clock.Now(), err); ferr != nil {
			log.Error("scheduler: recording job outcome", "err", ferr)
		}
	}
}

func runRecovered(ctx context.Context, job Job, occ time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	return job.Run(ctx, occ)
}

// slotLocker is gocron's distributed locker: the lock for a run is the
// claim of the job's current slot in job_run, and it is never released, so
// the slot runs once even across restarts.
type slotLocker struct {
	s   *Scheduler
	job Job
}

var errSlotTaken = errors.New("slot already claimed")

// Lock claims the job's current slot; an error tells gocron to skip the run.
func (l *slotLocker) Lock(ctx context.Context, key string) (gocron.Lock, error) {
	now := l.s.cfg.Clock.Now()
	slot := l.job.Cadence.Slot(l.job.Cadence.Prev(now))
	ok, err := l.s.cfg.Claims.ClaimJobRun(ctx, l.job.Name, slot, l.s.cfg.Instance, now, l.s.cfg.Lease)
	if err != nil {
		l.s.cfg.Logger.Error("scheduler: claiming slot", "job", l.job.Name, "slot", slot, "err", err)
		return nil, err
	}
	if !ok {
		l.s.cfg.Logger.Debug("scheduler: slot already claimed", "job", l.job.Name, "slot", slot)
		return nil, errSlotTaken
	}
	return slotLock{}, nil
}

// slotLock has nothing to release: the task records the outcome itself.
type slotLock struct{}

func (slotLock) Unlock(context.Context) error { return nil }
