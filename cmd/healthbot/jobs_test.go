package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/ingest/demo"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

const (
	jobsDigestChannel = "C0DIGEST"
	jobsAlertChannel  = "C0ALERTS"
)

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// claimEvent is one job_run claim or finish a bot made.
type claimEvent struct {
	Job, Slot, Instance string
	Finish              bool
	Won                 bool // a claim that won its slot
	At                  time.Time
	Err                 string
}

// recordingClaims is the store's job_run claims, reporting each to the
// test, so it can wait for replicas to have tried without sleeping.
type recordingClaims struct {
	st *store.Store
	w  *jobsWorld
}

var _ app.JobClaimer = recordingClaims{}

func (c recordingClaims) TakeJobRun(ctx context.Context, name, slot, instance string, now time.Time, lease time.Duration) (store.JobClaim, error) {
	got, err := c.st.TakeJobRun(ctx, name, slot, instance, now, lease)
	c.w.record(claimEvent{Job: name, Slot: slot, Instance: instance, Won: got.Won, At: now})
	return got, err
}

func (c recordingClaims) HeartbeatJobRun(ctx context.Context, name, slot, instance string, now time.Time) (bool, error) {
	return c.st.HeartbeatJobRun(ctx, name, slot, instance, now)
}

func (c recordingClaims) ReleaseJobRun(ctx context.Context, name, slot, instance string) error {
	return c.st.ReleaseJobRun(ctx, name, slot, instance)
}

func (c recordingClaims) JobRun(ctx context.Context, name, slot string) (store.JobRun, error) {
	return c.st.JobRun(ctx, name, slot)
}

func (c recordingClaims) FinishJobRun(ctx context.Context, name, slot, instance string, now time.Time, runErr error) error {
	err := c.st.FinishJobRun(ctx, name, slot, instance, now, runErr)
	e := claimEvent{Job: name, Slot: slot, Instance: instance, Finish: true, At: now}
	if runErr != nil {
		e.Err = runErr.Error()
	}
	c.w.record(e)
	return err
}

// jobsWorld is one database shared by the bots of a test, a fake Slack
// and an injected clock.
type jobsWorld struct {
	url   string
	st    *store.Store
	slack *bottest.Slack
	clock *clockwork.FakeClock
	logs  *stringsBuilder

	mu      sync.Mutex
	events  []claimEvent
	changed chan struct{}
	timers  int // jobs scheduled by the bots started, one timer each
}

func setupJobs(t *testing.T, start time.Time) *jobsWorld {
	t.Helper()
	w := &jobsWorld{
		url: storetest.SchemaURL(t), slack: bottest.NewSlack(t, nil), clock: clockwork.NewFakeClockAt(start),
		logs: &stringsBuilder{}, changed: make(chan struct{}, 1),
	}
	pool, err := store.Open(context.Background(), w.url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	w.st = store.New(pool)
	return w
}

func (w *jobsWorld) record(e claimEvent) {
	w.mu.Lock()
	w.events = append(w.events, e)
	w.mu.Unlock()
	select {
	case w.changed <- struct{}{}:
	default:
	}
}

// waitEvents waits until n events match and returns them.
func (w *jobsWorld) waitEvents(t *testing.T, what string, n int, match func(claimEvent) bool) []claimEvent {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		w.mu.Lock()
		var got []claimEvent
		for _, e := range w.events {
			if match(e) {
				got = append(got, e)
			}
		}
		w.mu.Unlock()
		if len(got) >= n {
			return got
		}
		select {
		case <-w.changed:
		case <-timeout:
			t.Fatalf("timed out waiting for %d × %s; events: %+v", n, what, got)
		}
	}
}

func claimOf(job string) func(claimEvent) bool {
	return func(e claimEvent) bool { return e.Job == job && !e.Finish }
}

func finishOf(job string) func(claimEvent) bool {
	return func(e claimEvent) bool { return e.Job == job && e.Finish }
}

// start runs a bot (Main, as `healthbot serve` does) named instance on
// the world's database, fake Slack and clock.
func (w *jobsWorld) start(t *testing.T, instance string, env map[string]string) *Main {
	t.Helper()
	vars := map[string]string{
		"DATABASE_URL": w.url, "HEALTHBOT_HTTP_ADDR": "127.0.0.1:0", "HEALTHBOT_INSTANCE": instance,
		"SLACK_BOT_TOKEN": "xoxb-jobs", "SLACK_SIGNING_SECRET": mainSecret, "SLACK_API_URL": w.slack.APIURL(),
		"HEALTHBOT_TIMEZONE": "America/New_York", "HEALTHBOT_DIGEST_CHANNEL": jobsDigestChannel,
		"HEALTHBOT_ALERT_CHANNEL": jobsAlertChannel,
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := ParseConfig(envOf(vars))
	require.NoError(t, err)
	m := NewMain(cfg, slog.New(slog.NewTextHandler(w.logs, nil)).With("instance", instance))
	m.Clock = w.clock
	m.claims = recordingClaims{st: w.st, w: w}
	require.NoError(t, m.Run(context.Background()))
	t.Cleanup(func() { require.NoError(t, m.Close()) })
	w.mu.Lock()
	w.timers += scheduledCount(t, m)
	w.mu.Unlock()
	return m
}

// scheduledCount is how many jobs m scheduled: each keeps one timer armed
// on the clock between runs.
func scheduledCount(t *testing.T, m *Main) int {
	t.Helper()
	jobs, err := m.jobs()
	require.NoError(t, err)
	n := 0
	for _, j := range jobs {
		if m.notScheduled(j) == "" {
			n++
		}
	}
	return n
}

// armed waits until every running bot's jobs wait on the clock again, so
// an Advance fires each of them.
func (w *jobsWorld) armed(t *testing.T) {
	t.Helper()
	w.mu.Lock()
	n := w.timers
	w.mu.Unlock()
	require.NoError(t, w.clock.BlockUntilContext(context.Background(), n))
}

// digestPosts are the chat.postMessage calls to the digest channel.
func (w *jobsWorld) digestPosts() []bottest.Call {
	var out []bottest.Call
	for _, c := range w.slack.Calls("chat.postMessage") {
		if c.Param("channel") == jobsDigestChannel {
			out = append(out, c)
		}
	}
	return out
}

// loadDemo stores a small demo portfolio whose history runs to asOf.
func (w *jobsWorld) loadDemo(t *testing.T, accounts int, asOf time.Time) {
	t.Helper()
	p, err := demo.Generate(demo.Config{Seed: 7, Accounts: accounts, AsOf: asOf})
	require.NoError(t, err)
	_, err = w.st.LoadDemo(context.Background(), store.DemoData{CSMs: p.CSMs, Accounts: p.Accounts, Signals: p.Signals, Pulses: p.Pulses}, false)
	require.NoError(t, err)
}

// TestMainPostsTheDigestOnceOnMondayWithTwoBots: two bots on one database
// both fire at Monday 09:00 New York time (14:00 UTC); one digest is posted.
func TestMainPostsTheDigestOnceOnMondayWithTwoBots(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 11, 30, 8, 59, 0, 0, newYork))
	w.loadDemo(t, 40, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	_, err := app.RunScoring(context.Background(), w.st, scoringDefaults(), time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	w.start(t, "bot-a", nil)
	w.start(t, "bot-b", nil)

	// Starting, the bots score today's interval (one of them) and arm a
	// timer per job.
	w.waitEvents(t, "score run", 1, finishOf("score"))
	w.armed(t)
	require.Empty(t, w.digestPosts(), "08:59: no digest yet")
	w.clock.Advance(time.Minute)

	claims := w.waitEvents(t, "both bots' digest claims", 2, claimOf("digest"))
	done := w.waitEvents(t, "the digest run", 1, finishOf("digest"))
	require.Empty(t, done[0].Err)
	require.Equal(t, 1, countWon(claims), "one claim wins")
	for _, c := range claims {
		require.Equal(t, "2026-W49", c.Slot)
		require.True(t, c.At.Equal(time.Date(2026, 11, 30, 14, 0, 0, 0, time.UTC)), "fired at 09:00 in New York: %s", c.At)
	}
	posts := w.digestPosts()
	require.Len(t, posts, 1, "two bots, one digest")
	require.Contains(t, posts[0].Param("text"), "Weekly health digest 2026-W49")
	require.Contains(t, posts[0].Param("blocks"), "scores of Nov 30")
	require.Contains(t, posts[0].Param("blocks"), "Biggest drops")

	jr, err := w.st.JobRun(context.Background(), "digest", "2026-W49")
	require.NoError(t, err)
	require.False(t, jr.FinishedAt.IsZero())
	require.Contains(t, []string{"bot-a", "bot-b"}, jr.ClaimedBy)
}

// TestMainCatchesUpTheMissedDigestOnce: a bot down at 09:00 that is back
// at 09:30 posts the digest; a second restart that morning does not.
func TestMainCatchesUpTheMissedDigestOnce(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 11, 30, 9, 30, 0, 0, newYork))
	first := w.start(t, "bot-a", nil)
	w.waitEvents(t, "the catch-up digest", 1, finishOf("digest"))
	require.Len(t, w.digestPosts(), 1)
	require.Contains(t, w.digestPosts()[0].Param("text"), "2026-W49")
	require.NoError(t, first.Close())

	w.clock.Advance(15 * time.Minute)
	w.start(t, "bot-b", nil)
	claims := w.waitEvents(t, "the second bot's digest claim", 2, claimOf("digest"))
	require.False(t, claims[1].Won, "the slot is taken")
	require.Equal(t, "bot-b", claims[1].Instance)
	require.Len(t, w.digestPosts(), 1, "restarts never repeat a post")
}

// TestMainSkipsTheDigestPastItsCatchUpWindow: a bot that comes back on
// Tuesday evening does not post Monday's digest, and posts next Monday's.
func TestMainSkipsTheDigestPastItsCatchUpWindow(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 12, 1, 19, 0, 0, 0, newYork))
	w.start(t, "bot-a", nil)
	require.Regexp(t, `level=WARN msg="scheduler: slot skipped: [^"]*past its catch-up window"`, w.logs.String())
	require.Regexp(t, `job=digest slot=2026-W49 late=34h0m0s window=12h0m0s`, w.logs.String())
	w.waitEvents(t, "the catch-up score run", 1, finishOf("score"))
	w.armed(t)
	require.Empty(t, w.digestPosts())

	w.clock.Advance(time.Date(2026, 12, 7, 9, 0, 0, 0, newYork).Sub(w.clock.Now()))
	w.waitEvents(t, "next Monday's digest", 1, finishOf("digest"))
	posts := w.digestPosts()
	require.Len(t, posts, 1)
	require.Contains(t, posts[0].Param("text"), "2026-W50")
	_, err := w.st.JobRun(context.Background(), "digest", "2026-W49")
	require.ErrorIs(t, err, store.ErrNotFound, "the missed week never ran")
}

// TestMainScoresWithoutSlack: without Slack tokens the bot still rolls up,
// scores and evaluates alerts on schedule; the digest is not scheduled.
func TestMainScoresWithoutSlack(t *testing.T) {
	t.Parallel()
	w := setupJobs(t, time.Date(2026, 11, 30, 8, 0, 0, 0, newYork))
	w.loadDemo(t, 20, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	w.start(t, "bot-a", map[string]string{"SLACK_BOT_TOKEN": "", "SLACK_SIGNING_SECRET": ""})
	done := w.waitEvents(t, "the score run", 1, finishOf("score"))
	require.Empty(t, done[0].Err)
	require.Equal(t, "2026-11-30T00:00:00Z", done[0].Slot)
	for _, step := range []string{"rollup", "conversations"} {
		jr, err := w.st.JobRun(context.Background(), step, "2026-11-30")
		require.NoError(t, err, step)
		require.Empty(t, jr.Error, step)
	}
	scores, err := w.st.ScoresAt(context.Background(), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.NotEmpty(t, scores)
	require.Contains(t, w.logs.String(), "job not scheduled: Slack is not configured")
	require.Regexp(t, `job=digest`, w.logs.String())
	require.Empty(t, w.slack.Calls(""))
}

// TestMainRunsScoringThenAlertsEachDay: over a simulated week the score
// job runs once a day on two bots, each run posting the alerts it fired;
// no alert is posted twice.
func TestMainRunsScoringThenAlertsEachDay(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 23, 6, 0, 0, 0, newYork)
	w := setupJobs(t, start)
	w.loadDemo(t, 40, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	w.start(t, "bot-a", nil)
	w.start(t, "bot-b", nil)
	w.waitEvents(t, "the first score run", 1, finishOf("score"))
	for day := 1; day < 7; day++ {
		w.armed(t)
		w.clock.Advance(24 * time.Hour)
		w.waitEvents(t, fmt.Sprintf("score run of day %d", day), day+1, finishOf("score"))
	}
	runs := w.waitEvents(t, "score runs", 7, finishOf("score"))
	var slots []string
	for _, r := range runs {
		require.Empty(t, r.Err)
		slots = append(slots, r.Slot)
	}
	require.Len(t, slices.Compact(slices.Clone(slots)), 7, "one run per day across two bots: %v", slots)

	// The first run records what already holds and posts one summary; the
	// alerts of later days are posted one by one, each once.
	var alerts, quiet, quietPosted int
	require.NoError(t, w.st.DB().QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE message_ts <> ''),
		count(*) FILTER (WHERE quiet), count(*) FILTER (WHERE quiet AND (message_ts <> '' OR dm_message_ts <> '')) FROM alert`).
		Scan(&alerts, &quiet, &quietPosted))
	require.Positive(t, quiet, "the first run finds conditions that already hold")
	require.Zero(t, quietPosted, "and posts none of them on its own")
	require.Positive(t, alerts, "the demo's decliners raise alerts after the first day")
	t.Logf("%d alerts recorded quietly on the first day, %d posted over the week; score slots %v", quiet, alerts, slots)
	seen := map[string]int{}
	summaries := 0
	for _, c := range w.slack.Calls("chat.postMessage") {
		if c.Param("channel") != jobsAlertChannel || c.Param("thread_ts") != "" {
			continue
		}
		if strings.Contains(c.Param("text"), "healthbot is now watching") {
			summaries++
			require.Contains(t, c.Param("text"), fmt.Sprintf("%d alert conditions already hold", quiet))
			continue
		}
		seen[alertBlockID(c.Param("blocks"))]++
	}
	require.Equal(t, 1, summaries, "one summary of the first run")
	require.Len(t, seen, alerts, "every later alert posted to the channel")
	for id, n := range seen {
		require.Equal(t, 1, n, "alert %s posted once", id)
	}
}

func countWon(es []claimEvent) int {
	n := 0
	for _, e := range es {
		if e.Won {
			n++
		}
	}
	return n
}

func scoringDefaults() scoring.Scorecards { return scoring.DefaultScorecards() }

var alertBlockRe = regexp.MustCompile(`"block_id":"(alert:\d+)"`)

// alertBlockID is the alert a posted message is about.
func alertBlockID(blocksJSON string) string {
	if m := alertBlockRe.FindStringSubmatch(blocksJSON); m != nil {
		return m[1]
	}
	return ""
}

func TestSchedulerConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Equal(t, 12*time.Hour, cfg.CatchUpWindow)
	require.Empty(t, cfg.Instance)
	host, err := os.Hostname()
	require.NoError(t, err)
	require.Equal(t, host, instanceName(""), "the host name names a replica by default")
	require.Equal(t, "bot-7", instanceName("bot-7"))

	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_CATCHUP_WINDOW": "soon"}))
	require.ErrorContains(t, err, "HEALTHBOT_CATCHUP_WINDOW")
}
