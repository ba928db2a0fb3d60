package pulse

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// PulseStore is what the weekly pulse reads and writes; *store.Store has it.
type PulseStore interface {
	app.JobClaimer
	PulseOwners(ctx context.Context) ([]store.PulseOwner, error)
	PulseOwnedAccountIDs(ctx context.Context, csmID int64) ([]int64, error)
	PulseAccounts(ctx context.Context, ids []int64, week string) ([]store.PulseAccount, error)
	PulseFinishedSlots(ctx context.Context, weeks []string) (map[string]bool, error)
	PulseSentMessages(ctx context.Context, weeks []string) ([]store.PulseSent, error)
	SavePulseMessage(ctx context.Context, m store.PulseMessage) error
	PulseMessageAt(ctx context.Context, channelID, ts string) (store.PulseMessage, error)
	PulseMessagesOf(ctx context.Context, csmID int64, week string) ([]store.PulseMessage, error)
	RecordPulseRating(ctx context.Context, p scoring.Pulse) (int64, error)
	IntakePulse(ctx context.Context, p scoring.Pulse) error
	CSMBySlackID(ctx context.Context, slackID string) (scoring.CSM, error)
	SetCSMTimeZone(ctx context.Context, id int64, tz string) error
	pulseAwayStore
}

// pulseAwayStore is out of office and the Later button (#17).
type pulseAwayStore interface {
	AwayOn(ctx context.Context, day time.Time) (map[int64]store.Away, error)
	SetAway(ctx context.Context, a store.Away) error
	ClearAway(ctx context.Context, csmID int64) error
	CSMByID(ctx context.Context, id int64) (scoring.CSM, error)
	CSMs(ctx context.Context) ([]scoring.CSM, error)
	EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error)
	SnoozePulse(ctx context.Context, csmID int64, week string, due time.Time) (bool, error)
	DuePulseSnoozes(ctx context.Context, now time.Time) ([]store.PulseSnooze, error)
	PulseSnoozeSent(ctx context.Context, csmID int64, week string, at time.Time) error
}

// SlackStatus says whether a Slack user's status says they are out of
// office; the Gate answers from its cached users.info (AwayInSlack).
type SlackStatus interface {
	AwayInSlack(ctx context.Context, userID string) (bool, error)
}

var _ SlackStatus = (*access.Gate)(nil)

var _ PulseStore = (*store.Store)(nil)

// PulseSlack is the part of the Web API the pulse uses; *slack.Client has it.
type PulseSlack interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

var _ PulseSlack = (*slack.Client)(nil)

// SlackIDResolver finds the Slack user to DM for a CSM ("" when there is
// none); *OwnerResolver resolves owners known only by email.
type SlackIDResolver interface {
	SlackID(ctx context.Context, c scoring.CSM) (string, error)
}

// PulseConfig configures NewPulse; zero values take the defaults named.
type PulseConfig struct {
	Store  PulseStore
	Slack  PulseSlack      // nil: nothing is sent (handlers still record answers)
	Owners SlackIDResolver // nil: only CSMs with a stored Slack id are asked
	// Weekday, Hour and Minute are when each CSM is asked, in the CSM's
	// own time zone (HEALTHBOT_PULSE_AT); the zero value is Sunday 00:00.
	Weekday      time.Weekday
	Hour, Minute int
	// Location is the fallback zone for CSMs whose zone Slack does not give
	// (HEALTHBOT_TIMEZONE); UTC if nil.
	Location *time.Location
	// ReminderAfter is how long after the check-in a CSM with unanswered
	// accounts is reminded (HEALTHBOT_PULSE_REMINDER_AFTER); default 48h.
	ReminderAfter time.Duration
	// Interval is how often the pulse job looks for due check-ins; default
	// 10m, so a check-in goes out at most that long after its local time.
	Interval time.Duration
	// MaxLate: a check-in not sent within this long of its time (the bot
	// was down) waits for next week; default 72h.
	MaxLate time.Duration
	// Pace is the least time between two DMs (Slack allows chat.postMessage
	// about once a second); default 1s, negative means no pacing.
	Pace time.Duration
	// OpenWeeks is how many weeks, the current one included, accept answers;
	// a click on an older check-in says it has closed. Default 2.
	OpenWeeks int
	// Workers is how many CSMs are sent to at once (their DMs still go out
	// at the Pace); default 4.
	Workers  int
	Instance string        // this replica's name in job_run; default host-pid
	Lease    time.Duration // a per-CSM claim left unfinished this long is retried; default 10m
	Now      func() time.Time
	// Sleep waits between paced DMs; nil means a real timer (tests inject one).
	Sleep  func(ctx context.Context, d time.Duration) error
	Retry  chat.RateLimitRetrier // 429 handling; MaxRetries 0 here means retry until ctx ends
	Logger *slog.Logger
	// Guard: check-ins only go to CSMs who may see account data in Slack
	// (not guests or outsiders); nil: no check.
	Guard access.ChannelGuard
	// Status reads out-of-office Slack statuses; nil: only /health away counts.
	Status SlackStatus
}

// Pulse is the weekly CSM check-in (DESIGN §5 "Pulse"): the job that DMs
// each CSM their accounts at their local hour and reminds them, the
// buttons and note modal that record answers, and `/health pulse`.
type Pulse struct {
	store         PulseStore
	slack         PulseSlack
	owners        SlackIDResolver
	at            app.Weekly // Loc unset: each CSM's zone fills it in
	loc           *time.Location
	reminderAfter time.Duration
	interval      time.Duration
	maxLate       time.Duration
	openWeeks     int
	workers       int
	instance      string
	lease         time.Duration
	now           func() time.Time
	retry         chat.RateLimitRetrier
	log           *slog.Logger
	pace          *pacer
	zones         *zoneCache
	locks         stripedLock
	guard         access.ChannelGuard
	status        SlackStatus
}

// NewPulse builds the pulse; see PulseConfig for the defaults.
func NewPulse(cfg PulseConfig) *Pulse {
	p := &Pulse{
		store: cfg.Store, slack: cfg.Slack, owners: cfg.Owners,
		at:  app.Weekly{Weekday: cfg.Weekday, Hour: cfg.Hour, Minute: cfg.Minute},
		loc: cfg.Location, reminderAfter: cfg.ReminderAfter, interval: cfg.Interval, maxLate: cfg.MaxLate,
		openWeeks: cfg.OpenWeeks, workers: cfg.Workers, instance: cfg.Instance, lease: cfg.Lease, now: cfg.Now, retry: cfg.Retry, log: cfg.Logger,
		guard: cfg.Guard, status: cfg.Status,
	}
	if p.loc == nil {
		p.loc = time.UTC
	}
	if p.reminderAfter <= 0 {
		p.reminderAfter = 48 * time.Hour
	}
	if p.interval <= 0 {
		p.interval = PulseInterval
	}
	if p.maxLate <= 0 {
		p.maxLate = 72 * time.Hour
	}
	if p.openWeeks <= 0 {
		p.openWeeks = 2
	}
	if p.workers <= 0 {
		p.workers = 4
	}
	if p.instance == "" {
		host, _ := os.Hostname()
		p.instance = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if p.lease <= 0 {
		p.lease = 10 * time.Minute
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.retry.MaxRetries == 0 {
		p.retry.MaxRetries = -1 // a fan-out drops nothing: wait out every 429
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.retry.Log == nil {
		p.retry.Log = p.log
	}
	pace := cfg.Pace
	if pace == 0 {
		pace = time.Second
	}
	p.pace = newPacer(pace, p.now, cfg.Sleep)
	p.zones = newZoneCache(p.loc)
	return p
}

// PulseJobName is the scheduler job that sends check-ins and reminders;
// PulseInterval is its default cadence.
const (
	PulseJobName  = "pulse"
	PulseInterval = 10 * time.Minute
)

// Jobs is the pulse's scheduled work for the Scheduler: one job every
// Interval that sends whatever check-ins and reminders are due. None
// without Slack.
func (p *Pulse) Jobs() []app.Job {
	if p.slack == nil {
		return nil
	}
	return []app.Job{{
		Name:    PulseJobName,
		Cadence: app.Every{Interval: p.interval},
		Run:     func(ctx context.Context, _ time.Time) error { return p.Tick(ctx) },
	}}
}

// Routes is the part of the router the pulse registers its buttons and
// note modal with; *bot.Router has it.
type Routes interface {
	Action(prefix string, h chat.ActionHandler)
	ViewSubmission(callbackID string, h chat.ActionHandler)
	CheckViewSubmission(callbackID string, check chat.SubmissionCheck)
}

// Register plugs the check-in buttons and the note modal into the router,
// and `/health pulse` into h (when not nil).
func (p *Pulse) Register(r Routes, h *health.Health) {
	for _, id := range []string{blocks.ActionPulseHealthy, blocks.ActionPulseConcerning, blocks.ActionPulsePoor} {
		r.Action(id, chat.ActionFunc(p.Answer))
	}
	r.Action(blocks.ActionPulseNote, chat.ActionFunc(p.OpenNote))
	r.Action(blocks.ActionPulseLater, chat.ActionFunc(p.Later))
	r.ViewSubmission(blocks.CallbackPulseNote, chat.ActionFunc(p.SubmitNote))
	r.CheckViewSubmission(blocks.CallbackPulseNote, func(cb *slack.InteractionCallback) map[string]string {
		return blocks.PulseNoteErrors(cb.View.State)
	})
	if h != nil {
		h.Register(p.Subcommand(h))
		h.Register(p.AwaySubcommand(h))
	}
}

// cadence is the weekly pulse time in loc.
func (p *Pulse) cadence(loc *time.Location) app.Weekly {
	w := p.at
	w.Loc = loc
	return w
}

// closed reports whether answers for week are no longer taken: it started
// OpenWeeks or more weeks before the current week in loc.
func (p *Pulse) closed(week string, loc *time.Location) bool {
	start, _, err := blocks.ParseISOWeek(week)
	if err != nil {
		return true
	}
	cur, _, _ := blocks.ParseISOWeek(scoring.ISOWeek(p.now().In(loc)))
	return start.Before(cur.AddDate(0, 0, -7*(p.openWeeks-1)))
}

// errPulseClosed answers a click on a check-in whose week has closed.
func errPulseClosed(week string) *healthbot.Error {
	return healthbot.Errorf(healthbot.EFORBIDDEN, "The check-in for %s has closed, so that answer was not recorded. Answer this week's check-in, or use `%s pulse ACCOUNT RATING`.", week, health.HelpCommand)
}

func pulseStoreErr(err error) *healthbot.Error {
	return healthbot.Wrap(err, "I could not save that answer just now. Please try again.")
}
