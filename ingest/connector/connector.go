// Package connector is the one sync framework behind `healthbot sync` and
// the scheduled syncs of `serve`: a Source reads pages from an API or a
// database, and a Runner claims the source, pages from its cursor, waits
// out rate limits, writes each page and its cursor in one transaction
// through the store's import paths, and sums up the run.
package connector

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/store"
)

// Page is one page a source read. Next is the cursor after it, stored with
// the page; Done ends the run (Next is then where the next run starts).
type Page struct {
	Accounts      []store.AccountRow
	AccountFields []string // the store.AccountFields the accounts carry
	InsertOnly    []string // of those, the ones set only on accounts the page creates
	Signals       []store.SignalRow
	Renewals      []store.SyncRenewal // renewals a CRM reports (outcomes, renewal dates)
	Read          int64               // items read from the source (customers, companies, rows)
	Skipped       map[string]int      // items not written, by reason
	Next          string
	Done          bool
}

// Skip counts one item skipped for reason.
func (p *Page) Skip(reason string) {
	if p.Skipped == nil {
		p.Skipped = map[string]int{}
	}
	p.Skipped[reason]++
}

// Source reads a source page by page. Fetch returns the page after cursor
// ("" is the start); a Source may keep state between the Fetch calls of
// one run (an open query), and is used by one run only.
type Source interface {
	Name() string
	Fetch(ctx context.Context, cursor string) (Page, error)
}

// RateLimitedError is what a source returns for an HTTP 429: the runner
// waits RetryAfter and fetches the same page again.
type RateLimitedError struct {
	RetryAfter time.Duration
}

func (e *RateLimitedError) Error() string {
	return fmt.Sprintf("rate limited: retry after %s", e.RetryAfter)
}

// Store is the part of the store a run needs.
type Store interface {
	ClaimSync(ctx context.Context, source, instance string, now time.Time, lease time.Duration) (string, error)
	ResetSyncCursor(ctx context.Context, source, instance string) error
	WriteSyncPage(ctx context.Context, source, instance string, now time.Time, p store.SyncPage) (store.SyncPageResult, error)
	FinishSync(ctx context.Context, source, instance string, now time.Time, summary string, runErr error) error
}

// Runner runs syncs.
type Runner struct {
	Store    Store
	Clock    clockwork.Clock // nil: the real clock
	Instance string          // names this process in sync_source.run_by
	Logger   *slog.Logger
	// Lease is how long a run may go without writing a page before
	// another may take the source over; 0 means 15 minutes.
	Lease time.Duration
	// MaxWaits bounds the 429s waited out for one page; 0 means 10.
	MaxWaits int
	// MaxWait caps one Retry-After; 0 means 5 minutes.
	MaxWait time.Duration
	// Progress, when set, is told the items read so far after each page.
	Progress func(read int64)
}

// Summary counts what one run did.
type Summary struct {
	Source            string
	Pages             int
	Read              int64
	Accounts, Signals store.ImportSummary
	Renewals          store.RenewalSummary
	Skipped           map[string]int
	Took              time.Duration
}

// String is the one-line summary a run ends with.
func (s Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d read; accounts %d inserted, %d updated, %d unchanged; signals %d inserted, %d updated, %d unchanged",
		s.Source, s.Read, s.Accounts.Inserted, s.Accounts.Updated, s.Accounts.Unchanged,
		s.Signals.Inserted, s.Signals.Updated, s.Signals.Unchanged)
	if s.Renewals.Read > 0 {
		fmt.Fprintf(&b, "; renewals %d recorded, %d unchanged, %d renewal dates moved",
			s.Renewals.Recorded, s.Renewals.Unchanged, s.Renewals.Moved)
	}
	total := 0
	reasons := make([]string, 0, len(s.Skipped))
	for r, n := range s.Skipped {
		total += n
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	fmt.Fprintf(&b, "; %d skipped", total)
	if total > 0 {
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%d %s", s.Skipped[r], r)
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	return b.String()
}

func (s *Summary) add(p Page, r store.SyncPageResult) {
	s.Pages++
	s.Read += p.Read
	addImport(&s.Accounts, r.Accounts)
	addImport(&s.Signals, r.Signals)
	for reason, n := range p.Skipped {
		s.skip(reason, n)
	}
	if r.UnknownAccounts > 0 {
		s.skip("signals for unknown accounts", int(r.UnknownAccounts))
	}
	s.Renewals.Read += r.Renewals.Read
	s.Renewals.Recorded += r.Renewals.Recorded
	s.Renewals.Unchanged += r.Renewals.Unchanged
	s.Renewals.Moved += r.Renewals.Moved
	if r.Renewals.UnknownAccounts > 0 {
		s.skip("renewals for unknown accounts", int(r.Renewals.UnknownAccounts))
	}
}

func (s *Summary) skip(reason string, n int) {
	if s.Skipped == nil {
		s.Skipped = map[string]int{}
	}
	s.Skipped[reason] += n
}

func addImport(to *store.ImportSummary, s store.ImportSummary) {
	to.Read += s.Read
	to.Inserted += s.Inserted
	to.Updated += s.Updated
	to.Unchanged += s.Unchanged
}

// ErrBusy is returned when another run holds the source.
var ErrBusy = store.ErrSyncBusy

// Run syncs src from its stored cursor (from the start with full) until a
// page says Done. Each page and its cursor are written in one transaction,
// so a run that fails keeps every page before the failing one and the next
// run resumes after them. The error names the source.
func (r *Runner) Run(ctx context.Context, src Source, full bool) (Summary, error) {
	clock := r.clock()
	sum := Summary{Source: src.Name()}
	start := clock.Now()
	name, inst := src.Name(), r.instance()
	cursor, err := r.Store.ClaimSync(ctx, name, inst, start, r.lease())
	if err != nil {
		return sum, fmt.Errorf("sync %s: %w", name, err)
	}
	if full {
		cursor = ""
		if err := r.Store.ResetSyncCursor(ctx, name, inst); err != nil {
			err = fmt.Errorf("sync %s: reset cursor: %w", name, err)
			return sum, errors.Join(err, r.Store.FinishSync(context.WithoutCancel(ctx), name, inst, clock.Now(), "", err))
		}
	}
	runErr := r.pages(ctx, src, cursor, &sum)
	sum.Took = clock.Since(start)
	if runErr != nil {
		runErr = fmt.Errorf("sync %s: %w", name, runErr)
	}
	ferr := r.Store.FinishSync(context.WithoutCancel(ctx), name, inst, clock.Now(), sum.String(), runErr)
	return sum, errors.Join(runErr, ferr)
}

func (r *Runner) pages(ctx context.Context, src Source, cursor string, sum *Summary) error {
	for {
		page, err := r.fetch(ctx, src, cursor)
		if err != nil {
			return err
		}
		res, err := r.Store.WriteSyncPage(ctx, src.Name(), r.instance(), r.clock().Now(), store.SyncPage{
			Accounts: page.Accounts, AccountFields: page.AccountFields, InsertOnly: page.InsertOnly, Signals: page.Signals,
			Renewals: page.Renewals, Cursor: page.Next,
		})
		if err != nil {
			return fmt.Errorf("write page %d: %w", sum.Pages+1, err)
		}
		sum.add(page, res)
		if r.Progress != nil {
			r.Progress(sum.Read)
		}
		if page.Done {
			return nil
		}
		cursor = page.Next
	}
}

// fetch reads one page, waiting out up to MaxWaits rate limits.
func (r *Runner) fetch(ctx context.Context, src Source, cursor string) (Page, error) {
	maxWaits, maxWait := r.MaxWaits, r.MaxWait
	if maxWaits == 0 {
		maxWaits = 10
	}
	if maxWait == 0 {
		maxWait = 5 * time.Minute
	}
	for waits := 0; ; waits++ {
		page, err := src.Fetch(ctx, cursor)
		var rl *RateLimitedError
		if !errors.As(err, &rl) {
			return page, err
		}
		if waits == maxWaits {
			return Page{}, fmt.Errorf("still rate limited after waiting %d times; try again later", maxWaits)
		}
		wait := min(max(rl.RetryAfter, time.Second), maxWait)
		r.logger().InfoContext(ctx, "sync: rate limited, waiting", "source", src.Name(), "wait", wait)
		select {
		case <-ctx.Done():
			return Page{}, ctx.Err()
		case <-r.clock().After(wait):
		}
	}
}

func (r *Runner) clock() clockwork.Clock {
	if r.Clock == nil {
		return clockwork.NewRealClock()
	}
	return r.Clock
}

func (r *Runner) instance() string {
	if r.Instance == "" {
		return "healthbot"
	}
	return r.Instance
}

func (r *Runner) lease() time.Duration {
	if r.Lease == 0 {
		return 15 * time.Minute
	}
	return r.Lease
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}
