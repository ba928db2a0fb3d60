package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/store"
)

// sendReminder claims the CSM's reminder of the week and, when accounts
// are still without an answer, DMs them with the same buttons. Like the
// check-in, a transient failure leaves the claim to be retried.
func (p *Pulse) sendReminder(ctx context.Context, pl pulsePlan, now time.Time) (int, bool, error) {
	job := reminderJob(pl.csm.ID)
	won, err := p.store.ClaimJobRun(ctx, job, pl.week, p.instance, now, p.lease)
	if err != nil || !won {
		return 0, false, err
	}
	ids, err := p.store.PulseOwnedAccountIDs(ctx, pl.csm.ID)
	var n int
	if err == nil {
		n, err = p.deliver(ctx, pl, store.PulseReminder, ids)
	}
	if err != nil && transient(err) {
		return n, false, fmt.Errorf("pulse reminder for csm %d (%s): %w", pl.csm.ID, pl.week, err)
	}
	if ferr := p.store.FinishJobRun(context.WithoutCancel(ctx), job, pl.week, p.instance, p.now(), err); ferr != nil {
		p.log.ErrorContext(ctx, "pulse reminder handled but not recorded as done", "csm", pl.csm.ID, "week", pl.week, "err", ferr)
	}
	if err != nil {
		return n, false, fmt.Errorf("pulse reminder for csm %d (%s) refused: %w", pl.csm.ID, pl.week, err)
	}
	if n > 0 {
		p.log.InfoContext(ctx, "pulse reminder sent", "csm", pl.csm.ID, "week", pl.week, "messages", n)
	}
	return n, true, nil
}

// PulseCompletionStore is what PulseUnanswered reads; *store.Store has it.
type PulseCompletionStore interface {
	PulseCompletion(ctx context.Context, week string) ([]store.PulseGap, error)
}

// PulseUnanswered lists the CSMs who have not answered every live account
// for week, least complete first, with the accounts missing: the digest's
// "who has not answered" follow-up.
func PulseUnanswered(ctx context.Context, st PulseCompletionStore, week string) ([]store.PulseGap, error) {
	all, err := st.PulseCompletion(ctx, week)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, g := range all {
		if g.Answered < g.Total {
			out = append(out, g)
		}
	}
	return out, nil
}
