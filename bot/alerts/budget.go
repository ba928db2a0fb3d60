package alerts

import (
	"context"
	"slices"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// dmBudget is one run's view of the weekly alert-DM budget (#17): each
// person gets at most limit alert DMs per ISO week (in the alerts' zone);
// the run's alerts past it are summed up in one DM per person at the end.
type dmBudget struct {
	a       *Alerts
	week    string
	limit   int // < 0: none
	now     time.Time
	used    map[string]int
	waiting map[string][]budgetItem
	// summed: people who already had today's summary DM; what their budget
	// holds back now stays unrecorded and is offered again by the next
	// run (retryUnposted), so the summary comes once a day.
	summed map[string]bool
}

type budgetItem struct {
	rec      store.AlertRecord
	msg      blocks.AlertMessage
	priority float64
}

// newDMBudget reads the DMs already sent this week.
func (a *Alerts) newDMBudget(ctx context.Context, now time.Time) (*dmBudget, error) {
	week := scoring.ISOWeek(now.In(a.loc))
	used, err := a.store.AlertDMsInWeek(ctx, week)
	if err != nil {
		return nil, err
	}
	y, m, d := now.In(a.loc).Date()
	summed, err := a.store.AlertSummaryUsersSince(ctx, time.Date(y, m, d, 0, 0, 0, 0, a.loc))
	if err != nil {
		return nil, err
	}
	return &dmBudget{a: a, week: week, limit: a.budget, now: now, used: used, waiting: map[string][]budgetItem{}, summed: summed}, nil
}

// take decides whether rec's owner DM to user goes out now: not if it
// reached them already (a DM or a summary line), not if the week's budget
// is spent — then it waits for the summary.
func (b *dmBudget) take(ctx context.Context, rec store.AlertRecord, m blocks.AlertMessage, acct scoring.Account, user string, sum *AlertRunSummary) bool {
	how, err := b.a.store.AlertDelivered(ctx, rec.ID, user)
	if err != nil {
		b.a.log.ErrorContext(ctx, "cannot read the alert's deliveries; DM tried again next run", "alert", rec.ID, "err", err)
		return false
	}
	if how != "" {
		return false
	}
	if b.limit >= 0 && b.used[user] >= b.limit {
		b.waiting[user] = append(b.waiting[user], budgetItem{rec: rec, msg: m, priority: scoring.AlertPriority(rec.Kind, acct, b.now)})
		sum.OverBudget++
		return false
	}
	b.used[user]++
	return true
}

// giveBack returns a DM that was not sent to the budget.
func (b *dmBudget) giveBack(user string) { b.used[user]-- }

// sent records a DM against the budget.
func (b *dmBudget) sent(ctx context.Context, rec store.AlertRecord, acct scoring.Account, user string) {
	_, err := b.a.store.RecordAlertDelivery(ctx, store.AlertDelivery{AlertID: rec.ID, UserID: user, Week: b.week,
		How: store.DeliveredDM, Priority: scoring.AlertPriority(rec.Kind, acct, b.now), At: b.now})
	if err != nil {
		b.a.log.ErrorContext(ctx, "alert DM sent but not counted against the budget", "alert", rec.ID, "user", user, "err", err)
	}
}

// sendSummaries DMs each person the run's alerts their budget held back,
// in one message, highest priority first; each line is recorded once the
// message is sent, so a failed summary is tried again next run.
func (a *Alerts) sendSummaries(ctx context.Context, b *dmBudget, sum *AlertRunSummary) {
	users := make([]string, 0, len(b.waiting))
	for u := range b.waiting {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, user := range users {
		items := b.waiting[user]
		if b.summed[user] {
			a.log.InfoContext(ctx, "alert summary already sent today; the held-back alerts wait for tomorrow's", "user", user, "alerts", len(items))
			continue
		}
		slices.SortStableFunc(items, func(x, y budgetItem) int {
			switch {
			case x.priority > y.priority:
				return -1
			case x.priority < y.priority:
				return 1
			}
			return 0
		})
		ms := make([]blocks.AlertMessage, len(items))
		for i, it := range items {
			ms[i] = it.msg
		}
		s := blocks.AlertSummary{Alerts: ms, Budget: b.limit, Channel: a.channel}
		if _, _, err := a.postTo(ctx, user, blocks.AlertSummaryText(s), blocks.AlertSummaryBlocks(s), ""); err != nil {
			sum.Failed++
			a.log.ErrorContext(ctx, "alert summary DM not sent; tried again next run", "user", user, "alerts", len(items), "err", err)
			continue
		}
		sum.Posted++
		sum.Summaries++
		for _, it := range items {
			_, err := a.store.RecordAlertDelivery(ctx, store.AlertDelivery{AlertID: it.rec.ID, UserID: user, Week: b.week,
				How: store.DeliveredSummary, Priority: it.priority, At: b.now})
			if err != nil {
				a.log.ErrorContext(ctx, "alert summed up but not recorded; it may be summed up again", "alert", it.rec.ID, "user", user, "err", err)
			}
		}
	}
}

// byPriority orders a run's changes most pressing first (severity × MRR ×
// renewal proximity, scoring.AlertPriority), keeping the order of equals.
func byPriority(changes []app.AlertChange, w *app.AlertWorld, now time.Time) []app.AlertChange {
	out := slices.Clone(changes)
	prio := func(c app.AlertChange) float64 {
		return scoring.AlertPriority(c.Rec.Kind, w.ByID[c.Rec.AccountID], now)
	}
	slices.SortStableFunc(out, func(x, y app.AlertChange) int {
		px, py := prio(x), prio(y)
		switch {
		case px > py:
			return -1
		case px < py:
			return 1
		}
		return 0
	})
	return out
}
