package pulse

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/access"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/internal/safely"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// pulsePlan is one CSM's place in the weekly cycle at the time of a tick.
type pulsePlan struct {
	csm  scoring.CSM // SlackUserID resolved
	occ  time.Time   // the latest weekly pulse time in the CSM's zone
	week string      // its ISO week, in that zone: the week asked about
	// covering are the away CSMs whose accounts this CSM is asked about too.
	covering []int64
}

// Job names of the per-CSM claims; the slot is the ISO week.
func checkinJob(csmID int64) string  { return "pulse:" + strconv.FormatInt(csmID, 10) }
func reminderJob(csmID int64) string { return "pulse-reminder:" + strconv.FormatInt(csmID, 10) }
func laterJob(csmID int64) string    { return "pulse-later:" + strconv.FormatInt(csmID, 10) }

// PulseTickSummary is what one Tick did.
type PulseTickSummary struct {
	CSMs      int // owners of live accounts reachable in Slack
	Checkins  int // check-ins completed by this tick
	Reminders int // reminders completed by this tick
	Laters    int // check-ins put off with Later and re-sent by this tick
	Away      int // CSMs out of office, asked nothing
	Messages  int // DMs posted
}

// Tick sends the check-ins and reminders due at the current time. Each
// CSM's check-in and reminder of a week are claimed in job_run
// ("pulse:<csm id>" / "2026-W48") before anything is sent, so replicas and
// restarts send each once; pages already delivered are never re-sent.
func (p *Pulse) Tick(ctx context.Context) error {
	_, err := p.RunTick(ctx)
	return err
}

// RunTick is Tick with a summary, for tests and benchmarks.
func (p *Pulse) RunTick(ctx context.Context) (PulseTickSummary, error) {
	var sum PulseTickSummary
	if p.slack == nil {
		return sum, nil
	}
	now := p.now()
	plans, away, err := p.plans(ctx, now)
	if err != nil {
		return sum, err
	}
	sum.CSMs, sum.Away = len(plans), away
	weeks := make([]string, 0, 2)
	for _, pl := range plans {
		if !slices.Contains(weeks, pl.week) {
			weeks = append(weeks, pl.week)
		}
	}
	done, err := p.store.PulseFinishedSlots(ctx, weeks)
	if err != nil {
		return sum, err
	}
	sentRows, err := p.store.PulseSentMessages(ctx, weeks)
	if err != nil {
		return sum, err
	}
	firstSent := map[string]time.Time{}
	for _, s := range sentRows {
		if s.Kind == store.PulseCheckin {
			firstSent[strconv.FormatInt(s.CSMID, 10)+"|"+s.Week] = s.FirstSent
		}
	}
	// Decide first, then send in parallel: each send is its own claim.
	type task struct {
		pl       pulsePlan
		reminder bool
	}
	var tasks []task
	for _, pl := range plans {
		if !done[checkinJob(pl.csm.ID)+"|"+pl.week] {
			if now.Sub(pl.occ) <= p.maxLate { // else missed while the bot was down; next week's comes on time
				tasks = append(tasks, task{pl: pl})
			}
			continue
		}
		sent, ok := firstSent[strconv.FormatInt(pl.csm.ID, 10)+"|"+pl.week]
		if ok && !done[reminderJob(pl.csm.ID)+"|"+pl.week] && !now.Before(sent.Add(p.reminderAfter)) {
			tasks = append(tasks, task{pl: pl, reminder: true})
		}
	}
	laters, err := p.sendLaters(ctx, plans, now)
	sum.Laters, sum.Messages = laters.done, laters.messages
	if err != nil {
		return sum, err
	}
	var mu sync.Mutex
	err = p.parallel(ctx, len(tasks), func(ctx context.Context, i int) error {
		t := tasks[i]
		send := p.sendCheckin
		if t.reminder {
			send = p.sendReminder
		}
		n, ok, err := send(ctx, t.pl, now)
		mu.Lock()
		defer mu.Unlock()
		sum.Messages += n
		switch {
		case ok && t.reminder:
			sum.Reminders++
		case ok:
			sum.Checkins++
		}
		return err
	})
	return sum, err
}

// parallel runs fn for 0..n-1 on the pulse's workers, recovering panics,
// and joins the errors; it stops handing out work when ctx ends.
func (p *Pulse) parallel(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}
	next := make(chan int)
	for range min(p.workers, n) {
		wg.Go(func() {
			for i := range next {
				fail(recovered(safely.Call(func() error { return fn(ctx, i) })))
			}
		})
	}
hand:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			fail(ctx.Err())
			break hand
		}
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// recovered puts a recovered panic's stack into the error's text: the
// joined errors of a send are logged as one string, and the stack is what
// tells a bug from an outage there.
func recovered(err error) error {
	if p, ok := errors.AsType[*safely.PanicError](err); ok {
		return fmt.Errorf("%w\n%s", p, p.Stack)
	}
	return err
}

// plans places every CSM who owns live accounts and can be reached in
// Slack in their weekly cycle, except those out of office (counted in
// away); a cover of an away CSM is planned with the away CSM's accounts.
func (p *Pulse) plans(ctx context.Context, now time.Time) ([]pulsePlan, int, error) {
	owners, err := p.store.PulseOwners(ctx)
	if err != nil {
		return nil, 0, err
	}
	csms := make([]scoring.CSM, len(owners))
	for i, o := range owners {
		csms[i] = o.CSM
	}
	csms, covers, away, err := p.present(ctx, csms, now)
	if err != nil {
		return nil, 0, err
	}
	out := make([]pulsePlan, 0, len(csms))
	for _, c := range csms {
		if p.owners != nil && c.SlackUserID == "" {
			id, err := p.owners.SlackID(ctx, c)
			if err != nil {
				p.log.WarnContext(ctx, "cannot find the CSM in Slack; the pulse is tried again next run", "csm", c.ID, "err", err)
				continue
			}
			c.SlackUserID = id
		}
		if c.SlackUserID == "" {
			continue // no Slack user; the resolver has logged why
		}
		occ := p.cadence(p.zone(ctx, &c)).Prev(now)
		out = append(out, pulsePlan{csm: c, occ: occ, week: scoring.ISOWeek(occ), covering: covers[c.ID]})
	}
	return out, away, nil
}

// sendCheckin claims the CSM's check-in of the week and sends it.
func (p *Pulse) sendCheckin(ctx context.Context, pl pulsePlan, now time.Time) (int, bool, error) {
	n, done, err := p.sendClaimed(ctx, pl, checkinJob(pl.csm.ID), store.PulseCheckin, "check-in")
	if done {
		p.refreshZone(ctx, pl.csm)
	}
	return n, done, err
}

// sendClaimed claims the CSM's check-in or reminder (kind, under job) of
// the week through app.Claim and delivers its pages (see deliver). A
// failure Slack may get over (network, 5xx: transient) leaves the claim
// open, so a later tick resends the pages still missing once the lease
// ends; a shutdown releases it for the next start; a refusal (no such
// user) finishes it with the error.
func (p *Pulse) sendClaimed(ctx context.Context, pl pulsePlan, job, kind, what string) (int, bool, error) {
	claim := app.Claim{Claims: p.store, Clock: nowClock{clockwork.NewRealClock(), p.now},
		Logger: p.log, Instance: p.instance, Lease: p.lease, Retry: transient}
	var n int
	out, err := claim.Run(ctx, job, pl.week, func(ctx context.Context) error {
		ids, err := p.askedAbout(ctx, pl)
		if err != nil {
			return err
		}
		n, err = p.deliver(ctx, pl, kind, ids)
		return err
	})
	switch {
	case !out.Ran: // done or held elsewhere, or the claim itself failed
		return 0, false, err
	case out.Open || out.Released:
		return n, false, fmt.Errorf("pulse %s for csm %d (%s): %w", what, pl.csm.ID, pl.week, err)
	case err != nil:
		return n, false, fmt.Errorf("pulse %s for csm %d (%s) refused: %w", what, pl.csm.ID, pl.week, err)
	}
	if n > 0 {
		p.log.InfoContext(ctx, "pulse "+what+" sent", "csm", pl.csm.ID, "week", pl.week, "messages", n)
	}
	return n, true, nil
}

// nowClock is the pulse's clock as app.Claim reads it: claim, heartbeat
// and finish times are the pulse's own now (PulseConfig.Now), so a test
// that moves the pulse's clock moves the lease too; tickers stay real.
type nowClock struct {
	clockwork.Clock
	now func() time.Time
}

func (c nowClock) Now() time.Time { return c.now() }

// deliver sends the pages of a check-in or reminder listing ids (worst
// score first), skipping accounts on pages already sent, and records each
// message right after Slack accepts it. It returns how many it posted.
func (p *Pulse) deliver(ctx context.Context, pl pulsePlan, kind string, ids []int64) (int, error) {
	if p.guard != nil {
		if err := p.guard.CheckUser(ctx, pl.csm.SlackUserID); err != nil {
			if re, ok := errors.AsType[*access.RefusedError](err); ok && re.Reason != access.ReasonLookupFailed {
				p.log.WarnContext(ctx, "pulse not sent: the CSM may not see account data in Slack", "csm", pl.csm.ID, "week", pl.week, "reason", re.Reason)
				return 0, nil // done for the week; a lookup failure is tried again
			}
			return 0, err
		}
	}
	prev, err := p.store.PulseMessagesOf(ctx, pl.csm.ID, pl.week)
	if err != nil {
		return 0, err
	}
	onPage := map[int64]bool{}
	first := 0
	for _, m := range prev {
		if m.Kind != kind {
			continue
		}
		first = max(first, m.Page+1)
		for _, id := range m.AccountIDs {
			onPage[id] = true
		}
	}
	ids = slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return onPage[id] })
	if len(ids) == 0 {
		return 0, nil
	}
	rows, err := p.store.PulseAccounts(ctx, ids, pl.week)
	if err != nil {
		return 0, err
	}
	if kind == store.PulseReminder || kind == store.PulseLater {
		rows = slices.DeleteFunc(rows, func(a store.PulseAccount) bool { return a.Answer != nil })
	}
	worstFirst(rows)
	pages := chunk(rows, blocks.PulsePageSize)
	sent := 0
	for i, page := range pages {
		msg := pulsePage(page, pl.week, kind, first+i, first+len(pages), p.now())
		if err := p.pace.wait(ctx); err != nil {
			return sent, err
		}
		var ch, ts string
		// Finished even if shutdown comes mid-post: unrecorded, the
		// check-in was sent again by the next replica (DoFinishing).
		err := p.retry.DoFinishing(ctx, func(ctx context.Context) error {
			var err error
			ch, ts, err = p.slack.PostMessageContext(ctx, pl.csm.SlackUserID, chat.MsgOptions(msg, "")...)
			return err
		})
		if err != nil {
			return sent, err
		}
		sent++
		rec := store.PulseMessage{CSMID: pl.csm.ID, Week: pl.week, Kind: kind, Page: first + i, ChannelID: ch, TS: ts,
			AccountIDs: accountIDs(page), SentAt: p.now()}
		if err := p.store.SavePulseMessage(context.WithoutCancel(ctx), rec); err != nil {
			// Sent but unrecorded: resending would duplicate it, so go on;
			// clicks on it still record, they just cannot redraw it.
			p.log.ErrorContext(ctx, "pulse message sent but not recorded", "csm", pl.csm.ID, "week", pl.week, "page", first+i, "err", err)
		}
	}
	return sent, nil
}

// pulsePage renders one page of accounts as a message.
func pulsePage(rows []store.PulseAccount, week, kind string, page, pages int, now time.Time) chat.Message {
	pp := blocks.PulsePage{Week: week, Reminder: kind == store.PulseReminder, Page: page, Pages: pages, Now: now,
		Later: kind == store.PulseCheckin && page == pages-1, Resent: kind == store.PulseLater,
		Rows: make([]blocks.PulseRow, len(rows))}
	for i, a := range rows {
		pp.Rows[i] = blocks.PulseRow{AccountID: a.ID, Name: a.Name, Scored: a.Scored(), Score: a.Score, Band: a.Band, Last: a.Last, Answer: a.Answer}
	}
	return chat.Message{Text: blocks.PulseText(pp), Blocks: blocks.PulseBlocks(pp)}
}

// worstFirst orders accounts by score, lowest first, unscored ("not enough
// data" or no score at all) last, then by name.
func worstFirst(rows []store.PulseAccount) {
	slices.SortStableFunc(rows, func(a, b store.PulseAccount) int {
		if sa, sb := scoring.Scored(a.Band), scoring.Scored(b.Band); sa != sb {
			if sa {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Score, b.Score), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}

func chunk[T any](s []T, n int) [][]T {
	var out [][]T
	for len(s) > 0 {
		k := min(n, len(s))
		out = append(out, s[:k:k])
		s = s[k:]
	}
	return out
}

func accountIDs(rows []store.PulseAccount) []int64 {
	out := make([]int64, len(rows))
	for i, a := range rows {
		out[i] = a.ID
	}
	return out
}

// transient reports whether a failed send may succeed later: anything but
// Slack refusing the call outright (no such user, bad blocks, bad token).
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	se, ok := errors.AsType[slack.SlackErrorResponse](err)
	if !ok {
		return true
	}
	switch se.Err {
	case "internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited":
		return true
	}
	return false
}
