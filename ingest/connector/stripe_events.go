package connector

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// Stripe keeps events 30 days; a watermark older than stripeEventsKept
// cannot be caught up from them, so the run is a full pass.
const stripeEventsKept = 29 * 24 * time.Hour

// stripeFullEvery is StripeConfig.FullEvery's default: once a day a full
// pass dates every account's mrr and seats that day (mrr_change needs
// points across its window) and ages days_invoice_overdue, which no event
// marks; runs in between read only the customers events name.
const stripeFullEvery = 24 * time.Hour

// stripeSkew is how far before a full pass starts its events watermark
// is set, so an event stamped by Stripe's clock a little behind ours is
// still read (reading an event twice changes nothing).
const stripeSkew = 5 * time.Minute

// stripeEventTypes are the events that change what the sync reads of a
// customer (the Events API takes at most 20 names).
var stripeEventTypes = []string{
	"customer.created", "customer.updated", "customer.deleted",
	"customer.discount.created", "customer.discount.updated", "customer.discount.deleted",
	"customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
	"customer.subscription.paused", "customer.subscription.resumed", "customer.subscription.pending_update_applied",
	"invoice.created", "invoice.finalized", "invoice.updated", "invoice.paid", "invoice.payment_failed",
	"invoice.marked_uncollectible", "invoice.voided", "invoice.overdue",
}

// Stripe cursor modes: a run in progress is a full pass or an events pass.
const (
	stripeModeFull   = "full"
	stripeModeEvents = "events"
)

// stripeCursor is the sync_source cursor of the Stripe sync.
type stripeCursor struct {
	Since  int64  `json:"since,omitempty"`   // events created after it are unread; 0: no full pass finished yet
	FullAt int64  `json:"full_at,omitempty"` // when the last full pass started (unix s)
	Mode   string `json:"mode,omitempty"`    // the pass in progress, "" between runs
	After  string `json:"after,omitempty"`   // full pass: the last customer written
	Upto   int64  `json:"upto,omitempty"`    // events pass: the newest event it covers
	Done   string `json:"done,omitempty"`    // events pass: the last changed customer written (by id)
}

// parseStripeCursor reads the stored cursor; a bare customer id is a full
// pass in progress, as cursors were before events.
func parseStripeCursor(s string) (stripeCursor, error) {
	var c stripeCursor
	switch {
	case s == "":
	case strings.HasPrefix(s, "{"):
		if err := json.Unmarshal([]byte(s), &c); err != nil {
			return c, errors.New("stored cursor is not Stripe's; run with --full")
		}
	default:
		c = stripeCursor{Mode: stripeModeFull, After: s}
	}
	return c, nil
}

func (c stripeCursor) String() string {
	b, _ := json.Marshal(c)
	return string(b)
}

// EventCustomer is the customer a Stripe event is about: the customer
// itself, or the customer of its subscription, invoice or discount; ""
// for an event of another type.
func EventCustomer(e *stripe.Event) string {
	if e == nil || e.Data == nil || !slices.Contains(stripeEventTypes, string(e.Type)) {
		return ""
	}
	var obj struct {
		Object   string          `json:"object"`
		ID       string          `json:"id"`
		Customer json.RawMessage `json:"customer"`
	}
	if json.Unmarshal(e.Data.Raw, &obj) != nil {
		return ""
	}
	if obj.Object == "customer" {
		return obj.ID
	}
	var id string
	if json.Unmarshal(obj.Customer, &id) == nil {
		return id
	}
	var expanded struct {
		ID string `json:"id"`
	}
	if json.Unmarshal(obj.Customer, &expanded) == nil {
		return expanded.ID
	}
	return ""
}

// changedCustomers lists, by id, the customers events created after since
// (and by upto, when set) name, and the newest event's time. Stripe lists
// events newest first; the filters are checked again here.
func (s *StripeSource) changedCustomers(ctx context.Context, since, upto int64) ([]string, int64, error) {
	params := &stripe.EventListParams{CreatedRange: &stripe.RangeQueryParams{GreaterThan: since}}
	params.Limit = stripe.Int64(100)
	if upto > 0 {
		params.CreatedRange.LesserThanOrEqual = upto
	}
	for _, t := range stripeEventTypes {
		params.Types = append(params.Types, stripe.String(t))
	}
	newest := upto
	seen := map[string]bool{}
	var ids []string
	for e, err := range s.client.V1Events.List(ctx, params) {
		if err != nil {
			return nil, 0, stripeError(err, "events")
		}
		if e.Created <= since || (upto > 0 && e.Created > upto) {
			continue
		}
		id := EventCustomer(e)
		if id == "" {
			continue
		}
		if upto == 0 {
			newest = max(newest, e.Created)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids, newest, nil
}

// fetchEvents is one page of an events pass: the next changed customers
// after c.Done, each read again whole.
func (s *StripeSource) fetchEvents(ctx context.Context, c stripeCursor) (Page, error) {
	if s.changed == nil {
		ids, upto, err := s.changedCustomers(ctx, c.Since, c.Upto)
		if err != nil {
			return Page{}, err
		}
		s.changed, c.Upto = ids, upto
	}
	todo := s.changed
	if c.Done != "" {
		i, _ := slices.BinarySearch(todo, c.Done)
		for i < len(todo) && todo[i] <= c.Done {
			i++
		}
		todo = todo[i:]
	}
	todo = todo[:min(len(todo), int(s.cfg.PageSize))]
	page := make([]StripeCustomer, 0, len(todo))
	deleted := 0
	for _, id := range todo {
		cus, err := s.client.V1Customers.Retrieve(ctx, id, nil)
		var se *stripe.Error
		if errors.As(err, &se) && se.HTTPStatusCode == 404 {
			deleted++
			continue
		}
		if err != nil {
			return Page{}, stripeError(err, "customer")
		}
		if cus.Deleted {
			deleted++
			continue
		}
		page = append(page, StripeCustomer{Customer: cus})
	}
	p, err := s.mapPage(ctx, page)
	if err != nil {
		return Page{}, err
	}
	p.Read += int64(deleted)
	for range deleted {
		p.Skip("deleted customers")
	}
	if len(todo) > 0 && todo[len(todo)-1] != s.changed[len(s.changed)-1] {
		c.Done = todo[len(todo)-1]
		p.Next = c.String()
		return p, nil
	}
	p.Done = true
	next := stripeCursor{Since: max(c.Since, c.Upto), FullAt: c.FullAt}
	p.Next = next.String()
	return p, nil
}

// startRun decides what a run that starts at now does: a full pass when
// none has finished, the last started FullEvery ago, or the events since
// the watermark are no longer kept; else an events pass.
func (s *StripeSource) startRun(c stripeCursor, now time.Time) stripeCursor {
	if c.Mode != "" {
		return c
	}
	since, full := time.Unix(c.Since, 0), time.Unix(c.FullAt, 0)
	if c.Since == 0 || now.Sub(full) >= s.cfg.FullEvery || now.Sub(since) > stripeEventsKept {
		return stripeCursor{Mode: stripeModeFull, FullAt: now.Add(-stripeSkew).Unix()}
	}
	return stripeCursor{Mode: stripeModeEvents, Since: c.Since, FullAt: c.FullAt}
}
