package connector

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// StripeConfig configures the Stripe sync.
type StripeConfig struct {
	APIKey     string       // STRIPE_API_KEY: a restricted key reading Customers, Subscriptions, Invoices and Events is enough
	APIURL     string       // STRIPE_API_URL; "" is Stripe's
	Match      []string     // HEALTHBOT_STRIPE_MATCH; nil is DefaultStripeMatch
	HTTPClient *http.Client // nil: a client with a 60s timeout
	Now        func() time.Time
	PageSize   int64 // customers per page; 0 means 100, Stripe's maximum
	// FullEvery is how often a run reads every customer; runs in between
	// read the customers Stripe's events name. 0 means a day.
	FullEvery time.Duration
}

// StripeSource reads Stripe's customers with each one's subscriptions and
// late invoices. The first run, and one a day (FullEvery), is a full pass
// through every customer (by id, newest first, as Stripe lists them);
// runs in between are events passes: they read only the customers that
// Stripe's Events API names in events since the last pass (customer.*,
// customer.subscription.*, invoice.*; see stripeEventTypes), since
// customer lists have no updated-since filter. The cursor (stripeCursor)
// keeps the events watermark and the pass in progress, so a pass that
// fails resumes after the last customer it wrote; --full forces a full pass.
type StripeSource struct {
	cfg     StripeConfig
	client  *stripe.Client
	changed []string // events pass: the changed customers, by id, read once per run
	// complete holds the accounts (by key) this run has read whole: a page
	// reads every customer of its accounts (siblings), so when another of
	// them comes up on a later page there is nothing left to read. Without
	// it each page re-searched the account and re-read every customer's
	// subscriptions and invoices, once per customer the account has.
	complete map[string]bool
}

// NewStripeSource builds the source. stripe-go's own retries are off: the
// runner waits out 429s, so a page is retried whole.
func NewStripeSource(cfg StripeConfig) *StripeSource {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 60 * time.Second}
	}
	retries := int64(0)
	bc := &stripe.BackendConfig{HTTPClient: hc, MaxNetworkRetries: &retries,
		LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if cfg.APIURL != "" {
		u := strings.TrimSuffix(cfg.APIURL, "/")
		bc.URL = &u
	}
	if cfg.Match == nil {
		cfg.Match = DefaultStripeMatch
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 100
	}
	if cfg.FullEvery == 0 {
		cfg.FullEvery = stripeFullEvery
	}
	return &StripeSource{cfg: cfg, client: stripe.NewClient(cfg.APIKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}
}

// Name implements Source.
func (s *StripeSource) Name() string { return "stripe" }

// Fetch implements Source: one page of customers, mapped by MapStripe.
func (s *StripeSource) Fetch(ctx context.Context, cursor string) (Page, error) {
	c, err := parseStripeCursor(cursor)
	if err != nil {
		return Page{}, err
	}
	c = s.startRun(c, s.cfg.Now())
	if c.Mode == stripeModeEvents {
		return s.fetchEvents(ctx, c)
	}
	return s.fetchFull(ctx, c)
}

// fetchFull is one page of a full pass: the customers after c.After.
func (s *StripeSource) fetchFull(ctx context.Context, c stripeCursor) (Page, error) {
	params := &stripe.CustomerListParams{ListParams: stripe.ListParams{Limit: stripe.Int64(s.cfg.PageSize)}}
	if c.After != "" {
		params.StartingAfter = stripe.String(c.After)
	}
	var page []StripeCustomer
	for cus, err := range s.client.V1Customers.List(ctx, params) {
		if err != nil {
			return Page{}, stripeError(err, "customers")
		}
		page = append(page, StripeCustomer{Customer: cus})
		if int64(len(page)) == s.cfg.PageSize {
			break
		}
	}
	p, err := s.mapPage(ctx, page)
	if err != nil {
		return Page{}, err
	}
	if int64(len(page)) < s.cfg.PageSize {
		p.Done = true // the pass is over: events after its start come next
		p.Next = stripeCursor{Since: c.FullAt, FullAt: c.FullAt}.String()
		return p, nil
	}
	c.After = page[len(page)-1].Customer.ID
	p.Next = c.String()
	return p, nil
}

// mapPage completes a page's customers (their accounts' other customers,
// subscriptions, invoices) and maps them. A customer whose account this
// run has read whole already is counted as read and left out.
func (s *StripeSource) mapPage(ctx context.Context, page []StripeCustomer) (Page, error) {
	todo := make([]StripeCustomer, 0, len(page))
	var done []string
	for _, c := range page {
		key, how := stripeAccountMatch(c.Customer, s.cfg.Match)
		switch {
		case how != MatchMetadata && how != MatchDomain: // its own account: nothing to share
		case s.complete[key]:
			continue
		default:
			done = append(done, key)
		}
		todo = append(todo, c)
	}
	siblings, err := s.siblings(ctx, todo)
	if err != nil {
		return Page{}, err
	}
	all := append(todo[:len(todo):len(todo)], siblings...)
	for i := range all {
		if err := s.details(ctx, &all[i]); err != nil {
			return Page{}, err
		}
	}
	p := MapStripe(all, s.cfg.Match, s.cfg.Now())
	p.Read += int64(len(page) - len(todo))
	if s.complete == nil {
		s.complete = map[string]bool{}
	}
	for _, key := range done {
		s.complete[key] = true
	}
	return p, nil
}

// siblings finds, with Stripe's customer search, the other customers of
// the accounts a page's customers map to by metadata or email domain, so
// an account's figures add up all of its customers whichever page they are
// listed on. Customers matched by their own id have none.
func (s *StripeSource) siblings(ctx context.Context, page []StripeCustomer) ([]StripeCustomer, error) {
	onPage := map[string]bool{}
	for _, c := range page {
		onPage[c.Customer.ID] = true
	}
	searched := map[string]bool{}
	var out []StripeCustomer
	for _, c := range page {
		key, how := stripeAccountMatch(c.Customer, s.cfg.Match)
		var query string
		switch how {
		case MatchMetadata:
			query = fmt.Sprintf("metadata[%q]:%q", StripeMetadataKey, key)
		case MatchDomain:
			query = fmt.Sprintf("email~%q", "@"+key)
		default:
			continue
		}
		if searched[key] {
			continue
		}
		searched[key] = true
		params := &stripe.CustomerSearchParams{SearchParams: stripe.SearchParams{Query: query, Limit: stripe.Int64(100)}}
		for sib, err := range s.client.V1Customers.Search(ctx, params) {
			if err != nil {
				return nil, stripeError(err, "customer search")
			}
			if onPage[sib.ID] {
				continue
			}
			if k, _ := stripeAccountMatch(sib, s.cfg.Match); k == key { // search matches substrings
				onPage[sib.ID] = true
				out = append(out, StripeCustomer{Customer: sib, Sibling: true})
			}
		}
	}
	return out, nil
}

// details reads a customer's subscriptions (every status, with their
// discounts) and its open and uncollectible invoices.
func (s *StripeSource) details(ctx context.Context, c *StripeCustomer) error {
	sp := &stripe.SubscriptionListParams{Customer: stripe.String(c.Customer.ID), Status: stripe.String("all")}
	sp.Limit = stripe.Int64(100)
	sp.AddExpand("data.discounts")
	sp.AddExpand("data.items.data.discounts")
	for sub, err := range s.client.V1Subscriptions.List(ctx, sp) {
		if err != nil {
			return stripeError(err, "subscriptions")
		}
		c.Subscriptions = append(c.Subscriptions, sub)
	}
	for _, status := range []string{"open", "uncollectible"} {
		ip := &stripe.InvoiceListParams{Customer: stripe.String(c.Customer.ID), Status: stripe.String(status)}
		ip.Limit = stripe.Int64(100)
		for in, err := range s.client.V1Invoices.List(ctx, ip) {
			if err != nil {
				return stripeError(err, "invoices")
			}
			c.Invoices = append(c.Invoices, in)
		}
	}
	return nil
}

// retryAfter reads a response's Retry-After seconds; 1s when absent.
func retryAfter(r *stripe.APIResponse) time.Duration {
	if r == nil {
		return time.Second
	}
	return parseRetryAfter(r.Header.Get("Retry-After"))
}

// parseRetryAfter reads Retry-After in seconds; 1s when absent or odd.
func parseRetryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return time.Second
}
