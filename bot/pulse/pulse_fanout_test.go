package pulse_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/bot/pulse"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// delivered counts the chat.postMessage calls Slack accepted, per DM and
// page header, from a fake Slack's reply hook.
type delivered struct {
	mu sync.Mutex
	n  map[string]int
}

func (d *delivered) add(c bottest.Call) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.n == nil {
		d.n = map[string]int{}
	}
	d.n[c.Param("channel")+" "+c.Param("text")]++
}

func (d *delivered) counts() map[string]int {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make(map[string]int, len(d.n))
	for k, v := range d.n {
		out[k] = v
	}
	return out
}

func TestPulseTwoInstancesOnOneDatabaseSendEachCheckinOnce(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Schema(t))
	a := newPulseEnv(t, pulseMonday, pulseOpts{st: st})
	// The second replica: its own Pulse, clock and Slack client, same
	// database and same (fake) workspace.
	b := pulse.NewPulse(pulse.PulseConfig{Store: st, Slack: a.api, Weekday: time.Monday, Hour: 10, Location: time.UTC,
		Pace: -1, Instance: "test-b", Now: a.clock.Now})
	var csms []scoring.CSM
	for i := range 12 {
		c := a.csm(t, fmt.Sprintf("CSM%02d", i), fmt.Sprintf("U%02d", i), "UTC")
		csms = append(csms, c)
		for j := range 3 {
			a.account(t, fmt.Sprintf("Acct %02d-%d", i, j), c, float64(10*j))
		}
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, p := range []*pulse.Pulse{a.pulse, b} {
		wg.Go(func() { errs <- p.Tick(context.Background()) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, c := range csms {
		require.Len(t, a.postsTo(c.SlackUserID), 1, "%s gets exactly one check-in", c.Name)
	}

	// A restarted replica later in the week sends nothing again.
	a.clock.Advance(3 * time.Hour)
	c := pulse.NewPulse(pulse.PulseConfig{Store: st, Slack: a.api, Weekday: time.Monday, Hour: 10, Pace: -1, Instance: "test-c", Now: a.clock.Now})
	require.NoError(t, c.Tick(context.Background()))
	require.Len(t, a.slack.Calls("chat.postMessage"), len(csms))
}

func TestPulseFanOutSurvivesRateLimitsWithoutLosingOrDoublingDMs(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var got delivered
	e := newPulseEnv(t, pulseMonday, pulseOpts{
		st: store.New(storetest.Schema(t)), // four CSMs at a time
		reply: func(c bottest.Call) *bottest.Reply {
			if calls.Add(1)%3 == 0 { // every third call of any method
				return &bottest.Reply{Status: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"2"}}, Body: map[string]any{"ok": false, "error": "ratelimited"}}
			}
			if c.Method == "chat.postMessage" {
				got.add(c)
			}
			return nil
		},
		cfg: func(c *pulse.PulseConfig) { c.Pace = time.Second },
	})
	var csms []scoring.CSM
	for i := range 8 {
		c := e.csm(t, fmt.Sprintf("CSM%d", i), fmt.Sprintf("U%d", i), "") // zones from users.info, also rate limited
		csms = append(csms, c)
		for j := range 25 { // two pages each
			e.account(t, fmt.Sprintf("A%d-%02d", i, j), c, float64(j))
		}
	}
	sum := e.tick(t)
	require.Equal(t, 8, sum.Checkins)
	require.Equal(t, 16, sum.Messages)

	counts := got.counts()
	require.Len(t, counts, 16, "8 CSMs × 2 pages arrived")
	for k, n := range counts {
		require.Equal(t, 1, n, "%s arrived once", k)
	}
	for _, c := range csms {
		require.Len(t, e.messages(t, c, "2026-W48"), 2)
	}
	var retryWaits, paceWaits int
	for _, d := range e.waits.all() {
		if d == 2*time.Second {
			retryWaits++
		} else {
			paceWaits++
		}
	}
	require.Positive(t, retryWaits, "429s were waited out for Retry-After")
	require.Positive(t, paceWaits, "DMs were paced")
	require.Zero(t, e.tick(t).Messages, "and nothing is sent twice")
}

func TestPulseReachesCSMsAtTheirOwnLocalHour(t *testing.T) {
	t.Parallel()
	zones := map[string]string{"UTOKYO": "Asia/Tokyo", "UPARIS": "Europe/Paris", "UNY": "America/New_York"}
	start := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC) // Sunday noon UTC
	e := newPulseEnv(t, start, pulseOpts{reply: func(c bottest.Call) *bottest.Reply {
		if c.Method == "users.info" {
			u := c.Param("user")
			return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{"id": u, "tz": zones[u]}}}
		}
		return nil
	}})
	for user := range zones {
		c := e.csm(t, user, user, "") // zone unknown until Slack says
		e.account(t, "Acct "+user, c, 50)
	}

	// Tick every 10 minutes for two days; note when each DM went out.
	sentAt := map[string]time.Time{}
	for range 2 * 24 * 6 {
		before := len(e.slack.Calls("chat.postMessage"))
		e.tick(t)
		for _, c := range e.slack.Calls("chat.postMessage")[before:] {
			user := c.Param("channel")
			require.NotContains(t, sentAt, user, "one check-in each")
			sentAt[user] = e.clock.Now()
		}
		e.clock.Advance(10 * time.Minute)
	}
	require.Len(t, sentAt, 3)
	for user, zone := range zones {
		loc, err := time.LoadLocation(zone)
		require.NoError(t, err)
		local := sentAt[user].In(loc)
		require.Equal(t, time.Monday, local.Weekday(), user)
		require.Equal(t, 10, local.Hour(), "%s got it at %s local", user, local)
		require.Less(t, local.Minute(), 10, user)
	}
	require.True(t, sentAt["UTOKYO"].Before(sentAt["UPARIS"]) && sentAt["UPARIS"].Before(sentAt["UNY"]), "east to west")
	c, err := e.st.CSMBySlackID(context.Background(), "UNY")
	require.NoError(t, err)
	require.Equal(t, "America/New_York", c.TZ, "Slack's zone is cached on the CSM")
}

func TestPulseJobOnTwoSchedulersSendsEachCheckinOnce(t *testing.T) {
	t.Parallel()
	st := store.New(storetest.Schema(t))
	clock := clockwork.NewFakeClockAt(pulseMonday)
	e := newPulseEnv(t, pulseMonday, pulseOpts{st: st})
	var csms []scoring.CSM
	for i := range 5 {
		c := e.csm(t, fmt.Sprintf("CSM%d", i), fmt.Sprintf("U%d", i), "UTC")
		csms = append(csms, c)
		e.account(t, fmt.Sprintf("Acct %d", i), c, 50)
	}
	// Two replicas: each its own scheduler and pulse, one database.
	var scheds []*app.Scheduler
	for _, instance := range []string{"a", "b"} {
		s, err := app.NewScheduler(app.SchedulerConfig{Claims: st, Clock: clock, Location: time.UTC, Instance: instance})
		require.NoError(t, err)
		p := pulse.NewPulse(pulse.PulseConfig{Store: st, Slack: e.api, Weekday: time.Monday, Hour: 10, Location: time.UTC,
			Pace: -1, Instance: instance, Now: clock.Now})
		for _, j := range p.Jobs() {
			require.NoError(t, s.Add(j))
		}
		scheds = append(scheds, s)
	}
	for _, s := range scheds {
		require.NoError(t, s.Start(context.Background())) // catches up the current 10-minute slot at once
	}
	e.slack.WaitCalls(t, "chat.postMessage", len(csms))
	require.NoError(t, clock.BlockUntilContext(context.Background(), 2))
	clock.Advance(10 * time.Minute) // the next slot: due again, nothing new to send
	for _, s := range scheds {
		require.NoError(t, s.Shutdown()) // waits for running jobs
	}
	for _, c := range csms {
		require.Len(t, e.postsTo(c.SlackUserID), 1, "%s gets one check-in", c.Name)
	}
}

// A replica shut down while Slack is taking a check-in still records it:
// the post is finished, not abandoned, so the next replica does not send
// the same check-in again (it did, now and then, under load).
func TestShutdownDuringAPostRecordsItAndNothingIsSentTwice(t *testing.T) {
	t.Parallel()
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	e := newPulseEnv(t, pulseMonday, pulseOpts{
		st: store.New(storetest.Schema(t)),
		reply: func(c bottest.Call) *bottest.Reply {
			if c.Method == "chat.postMessage" {
				once.Do(func() { close(arrived) })
				<-release // Slack has it; its answer comes after the shutdown
			}
			return nil
		},
	})
	c := e.csm(t, "Maya", "UMAYA", "UTC")
	e.account(t, "Acme", c, 40)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := e.pulse.RunTick(ctx)
		done <- err
	}()
	select {
	case <-arrived:
	case <-time.After(bottest.Timeout):
		t.Fatal("the check-in was never posted")
	}
	cancel() // shutdown, with the post under way
	close(release)
	select {
	case err := <-done:
		require.NoError(t, err, "the check-in went out and was recorded")
	case <-time.After(bottest.Timeout):
		t.Fatal("the tick did not end")
	}
	require.Len(t, e.messages(t, c, "2026-W48"), 1, "the post is recorded")

	other := pulse.NewPulse(pulse.PulseConfig{Store: e.st, Slack: e.api, Weekday: time.Monday, Hour: 10, Location: time.UTC,
		Pace: -1, Instance: "test-b", Now: e.clock.Now})
	_, err := other.RunTick(context.Background())
	require.NoError(t, err)
	require.Len(t, e.postsTo("UMAYA"), 1, "the next replica sends nothing again")
}
