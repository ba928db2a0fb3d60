package ask

import (
	"context"
	"time"

	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/store"
)

// findAccounts finds accounts by name, domain or external id the one way
// /health does (health.Lookup: whole name, domain or id first, then word
// prefixes, then a few typos; live accounts before churned ones), up to
// limit. Misspellings come back as inexact matches, so one close name is
// taken and several are offered. The index is built inside the question's read-only transaction;
// at 10,000 accounts that is tens of milliseconds against a model's seconds.
func findAccounts(ctx context.Context, ro *store.Store, q string, limit int) ([]store.AskMatch, error) {
	res, err := health.NewLookup(ro, func() time.Time { return time.Time{} }).Find(ctx, q)
	if err != nil {
		return nil, err
	}
	found := res.Matches
	if len(found) == 0 { // close misspellings: what /health offers as "did you mean"
		found = res.Suggestions
	}
	out := make([]store.AskMatch, 0, min(limit, len(found)))
	for _, e := range found {
		if len(out) == limit {
			break
		}
		out = append(out, store.AskMatch{ID: e.ID, Name: e.Name, ExternalID: e.ExternalID, Exact: res.Kind == health.MatchExact})
	}
	return out, nil
}
