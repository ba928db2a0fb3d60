package pulse

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/store"
)

// sendReminder claims the CSM's reminder of the week and, when accounts
// are still without an answer, DMs them with the same buttons.
func (p *Pulse) sendReminder(ctx context.Context, pl pulsePlan, now time.Time) (int, bool, error) {
	return p.sendClaimed(ctx, pl, reminderJob(pl.csm.ID), store.PulseReminder, "reminder")
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
