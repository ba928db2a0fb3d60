package health_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// lineCounter is the store with AccountLines counting the lines it hands over.
type lineCounter struct {
	*store.Store
	most int
}

func (c *lineCounter) AccountLines(ctx context.Context, f store.LineFilter) ([]store.AccountLine, error) {
	lines, err := c.Store.AccountLines(ctx, f)
	c.most = max(c.most, len(lines))
	return lines, err
}

// A long list reads only the page it shows (or the larger table), takes its
// counts and sums over every row, and pages on from there in order.
func TestLongListsReadOnlyTheShownPage(t *testing.T) {
	t.Parallel()
	_, b := setup(t)
	const n = 130 // more than a table's rows
	for i := range n {
		a := b.fix.Account(scoring.Account{Name: fmt.Sprintf("Paged %03d", i), Segment: "Paged", MRR: 100})
		b.fix.Series(a.ID, 30-float64(i%20)) // all red, lowest score first
	}
	lc := &lineCounter{Store: b.store}
	h := health.NewHealth(lc, nil, func() time.Time { return testNow })
	h.TextTables = true
	got := render(t, ask(t, h, "U0JANE", "segment paged"))
	contains(t, "segment paged", got, "🔴 130", "130 live accounts", "MRR 13,000", "MRR in red 13,000", "average score 21",
		"*Paged 019*") // score 11, the lowest, first by name
	if lc.most > blocks.PageSize {
		t.Errorf("the text page read %d lines, want at most %d", lc.most, blocks.PageSize)
	}
	m, err := h.HandleAction(context.Background(), bot.Action{Request: bot.Request{UserID: "U0JANE"}, ActionID: blocks.ActionNext,
		Value: blocks.PageValue(120, "segment paged")})
	if err != nil {
		t.Fatal(err)
	}
	last := render(t, m)
	contains(t, "last page", last, "*Paged 120*", "*Paged 100*") // score 30: the top of the band, last
	lacks(t, "last page", last, "*Paged 019*")
	if strings.Count(last, "*Paged ") != 10 {
		t.Errorf("last page shows %d accounts, want 10", strings.Count(last, "*Paged "))
	}

	h.TextTables, lc.most = false, 0
	ask(t, h, "U0JANE", "at-risk paged")
	if lc.most > blocks.TableRows {
		t.Errorf("the table read %d lines, want at most %d", lc.most, blocks.TableRows)
	}
}
