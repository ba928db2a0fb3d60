package store_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store"
)

// The store's sentinels are healthbot errors: errors.Is still finds them
// through any wrapping, and an adapter reads what the failure means from the
// code alone (a 404, a "name taken", a "try later") without importing store.
func TestSentinelsCarryTheirCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  *healthbot.Error
		code string
	}{
		{store.ErrNotFound, healthbot.ENOTFOUND},
		{store.ErrAPIKeyExists, healthbot.ECONFLICT},
		{store.ErrSyncBusy, healthbot.ECONFLICT},
		{store.ErrSchemaOutdated, healthbot.EUNAVAILABLE},
	} {
		wrapped := fmt.Errorf("while doing something: %w", c.err)
		if !errors.Is(wrapped, c.err) {
			t.Errorf("errors.Is(%v) = false through wrapping", c.err)
		}
		if got := healthbot.ErrorCode(wrapped); got != c.code {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.code)
		}
		if got := healthbot.ErrorMessage(wrapped); got != c.err.Message || got == "" {
			t.Errorf("ErrorMessage(%v) = %q, want the sentinel's own message", c.err, got)
		}
	}
	if errors.Is(store.ErrAPIKeyExists, store.ErrSyncBusy) {
		t.Error("two sentinels with the same code must stay distinct")
	}
}
