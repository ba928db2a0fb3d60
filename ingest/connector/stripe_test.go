package connector

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest/connector/stripemock"
)

// stripeProxy sits in front of stripe-mock; intercept, when it returns
// true, has answered the request itself (an outage, a 429, a bad key).
type stripeProxy struct {
	mu        sync.Mutex
	intercept func(w http.ResponseWriter, r *http.Request) bool
	paths     []string
}

func newStripeProxy(t *testing.T) (*stripeProxy, string) {
	t.Helper()
	target, err := url.Parse(stripemock.Start(t))
	require.NoError(t, err)
	rp := httputil.NewSingleHostReverseProxy(target)
	p := &stripeProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.paths = append(p.paths, r.URL.Path)
		icpt := p.intercept
		p.mu.Unlock()
		if icpt != nil && icpt(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *stripeProxy) set(f func(w http.ResponseWriter, r *http.Request) bool) {
	p.mu.Lock()
	p.intercept = f
	p.mu.Unlock()
}

// seen is the paths requested so far.
func (p *stripeProxy) seen() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

// forget clears the paths requested so far.
func (p *stripeProxy) forget() {
	p.mu.Lock()
	p.paths = nil
	p.mu.Unlock()
}

// once answers the first request to path with status and body.
func once(path string, status int, header map[string]string, body string) func(w http.ResponseWriter, r *http.Request) bool {
	var done bool
	return func(w http.ResponseWriter, r *http.Request) bool {
		if done || r.URL.Path != path {
			return false
		}
		done = true
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
		return true
	}
}

// stripeMockCustomer is the one customer stripe-mock lists: no email, no
// metadata, so it maps by its id; one active monthly subscription of
// 1 × $20.00 whose cancel_at is 2009-02-13, and draft invoices.
const stripeMockCustomer = "cus_QXg1o8vcGmoR32"

func stripeSource(apiURL string, now time.Time) *StripeSource {
	return NewStripeSource(StripeConfig{APIKey: "sk_test_123", APIURL: apiURL, Now: func() time.Time { return now }})
}

func TestStripeSyncAgainstStripeMock(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	_, apiURL := newStripeProxy(t)

	sum, err := w.run(t, stripeSource(apiURL, w.clock.Now()), false)
	require.NoError(t, err)
	require.Equal(t, int64(1), sum.Accounts.Inserted)
	require.Equal(t, int64(3), sum.Signals.Inserted, "mrr, seats and days_invoice_overdue (stripe-mock's invoices are drafts, never late)")
	var mrr float64
	var seats int
	var plan string
	require.NoError(t, w.st.DB().QueryRow(context.Background(),
		`SELECT mrr::float8, seats, plan FROM account WHERE external_id = $1`, stripeMockCustomer).Scan(&mrr, &seats, &plan))
	require.Equal(t, 20.0, mrr)
	require.Equal(t, 1, seats)
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM signal WHERE metric = 'mrr' AND value = 20 AND source = 'stripe'`))
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM signal WHERE metric = 'seats' AND value = 1`))
	require.NotContains(t, w.state(t, "stripe").Cursor, `"mode"`, "the pass is over; events after it come next")

	sum, err = w.run(t, stripeSource(apiURL, w.clock.Now()), true)
	require.NoError(t, err)
	require.Equal(t, int64(1), sum.Accounts.Unchanged)
	require.Equal(t, int64(3), sum.Signals.Unchanged)
	require.Zero(t, sum.Accounts.Inserted+sum.Accounts.Updated+sum.Signals.Inserted+sum.Signals.Updated, "a second full pass changes nothing")
}

func TestStripeSyncFailingHalfWayWritesNothingAndResumes(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	proxy.set(once("/v1/invoices", http.StatusInternalServerError, nil,
		`{"error":{"type":"api_error","message":"An unknown error occurred"}}`))

	_, err := w.run(t, stripeSource(apiURL, w.clock.Now()), false)
	require.EqualError(t, err, "sync stripe: Stripe answered 500 on invoices: An unknown error occurred")
	require.Zero(t, w.count(t, `SELECT count(*) FROM account`), "the page it was on wrote nothing")
	require.Contains(t, w.state(t, "stripe").LastError, "500")

	sum, err := w.run(t, stripeSource(apiURL, w.clock.Now()), false)
	require.NoError(t, err)
	require.Equal(t, int64(1), sum.Accounts.Inserted)
	sum, err = w.run(t, stripeSource(apiURL, w.clock.Now()), true)
	require.NoError(t, err)
	require.Equal(t, int64(3), sum.Signals.Unchanged)
	require.Empty(t, w.state(t, "stripe").LastError)
}

func TestStripeSyncWaitsOutA429(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	proxy.set(once("/v1/subscriptions", http.StatusTooManyRequests, map[string]string{"Retry-After": "3"},
		`{"error":{"type":"invalid_request_error","code":"rate_limit","message":"Too many requests hit the API too quickly."}}`))
	start := w.clock.Now()
	w.waitOut(t, 3*time.Second)
	sum, err := w.run(t, stripeSource(apiURL, start), false)
	require.NoError(t, err)
	require.Equal(t, 3*time.Second, w.clock.Since(start))
	require.Equal(t, int64(1), sum.Accounts.Inserted)
	require.Equal(t, 2, strings.Count(strings.Join(proxy.seen(), " "), "/v1/customers"), "the page was read again")
}

func TestStripeSyncErrors(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	proxy.set(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"type":"invalid_request_error","message":"Invalid API Key provided: sk_test_***123"}}`))
		return true
	})
	_, err := w.run(t, stripeSource(apiURL, w.clock.Now()), false)
	require.EqualError(t, err, "sync stripe: Stripe rejected STRIPE_API_KEY (401 on customers): set a valid secret or restricted key")

	_, err = w.run(t, stripeSource("http://127.0.0.1:1", w.clock.Now()), false)
	require.ErrorContains(t, err, "sync stripe: cannot reach Stripe (customers)")
	require.ErrorContains(t, err, "check STRIPE_API_URL and the network")
	require.Zero(t, w.count(t, `SELECT count(*) FROM account`))
}

// TestStripeSyncResumesFromItsCursor pages one customer at a time; the
// proxy ends the list after stripe-mock's customer (stripe-mock ignores
// starting_after) and fails that second page once.
func TestStripeSyncResumesFromItsCursor(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	var queries []string
	failed := false
	proxy.set(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/customers" || r.URL.Query().Get("starting_after") == "" {
			return false
		}
		queries = append(queries, r.URL.Query().Get("starting_after"))
		rw.Header().Set("Content-Type", "application/json")
		if !failed {
			failed = true
			rw.WriteHeader(http.StatusServiceUnavailable)
			_, _ = rw.Write([]byte(`{"error":{"type":"api_error","message":"Service unavailable"}}`))
			return true
		}
		_, _ = rw.Write([]byte(`{"object":"list","data":[],"has_more":false,"url":"/v1/customers"}`))
		return true
	})
	src := func() *StripeSource {
		return NewStripeSource(StripeConfig{APIKey: "sk_test_123", APIURL: apiURL, PageSize: 1, Now: w.clock.Now})
	}

	_, err := w.run(t, src(), false)
	require.EqualError(t, err, "sync stripe: Stripe answered 503 on customers: Service unavailable")
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM account`), "the first page is kept")
	require.Contains(t, w.state(t, "stripe").Cursor, `"mode":"full","after":"`+stripeMockCustomer+`"`)

	sum, err := w.run(t, src(), false)
	require.NoError(t, err)
	require.Equal(t, []string{stripeMockCustomer, stripeMockCustomer}, queries, "the rerun starts after the last customer written")
	require.Zero(t, sum.Read, "nothing read twice")
	require.NotContains(t, w.state(t, "stripe").Cursor, `"mode"`, "the pass is over")
}

// TestStripeSyncAddsUpAnAccountsCustomersAcrossPages: two customers of
// acme.io are listed on two pages; the first page finds the other with the
// customer search, so the account's MRR is both subscriptions'. The second
// page has nothing left to read: the account was read whole (it used to
// search again and re-read both customers' subscriptions and invoices).
func TestStripeSyncAddsUpAnAccountsCustomersAcrossPages(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	customer := func(id, email string) string {
		return `{"id":"` + id + `","object":"customer","email":"` + email + `","name":"Acme","metadata":{}}`
	}
	list := func(items ...string) string {
		return `{"object":"list","url":"/v1/customers","has_more":false,"data":[` + strings.Join(items, ",") + `]}`
	}
	var searches []string
	proxy.set(func(rw http.ResponseWriter, r *http.Request) bool {
		rw.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/v1/customers" && r.URL.Query().Get("starting_after") == "":
			_, _ = rw.Write([]byte(list(customer("cus_a", "ana@acme.io"))))
		case r.URL.Path == "/v1/customers" && r.URL.Query().Get("starting_after") == "cus_a":
			_, _ = rw.Write([]byte(list(customer("cus_b", "bo@acme.io"))))
		case r.URL.Path == "/v1/customers":
			_, _ = rw.Write([]byte(list()))
		case r.URL.Path == "/v1/customers/search":
			searches = append(searches, r.URL.Query().Get("query"))
			_, _ = rw.Write([]byte(`{"object":"search_result","url":"/v1/customers/search","has_more":false,"data":[` +
				customer("cus_a", "ana@acme.io") + "," + customer("cus_b", "bo@acme.io") + "," +
				customer("cus_x", "x@acme.io.example.com") + `]}`))
		default:
			return false // subscriptions and invoices: stripe-mock's
		}
		return true
	})
	src := NewStripeSource(StripeConfig{APIKey: "sk_test_123", APIURL: apiURL, PageSize: 1, Now: w.clock.Now})
	sum, err := w.run(t, src, false)
	require.NoError(t, err)
	require.Equal(t, []string{`email~"@acme.io"`}, searches, "one search per account and run")
	subs := 0
	for _, path := range proxy.seen() {
		if path == "/v1/subscriptions" {
			subs++
		}
	}
	require.Equal(t, 2, subs, "each customer's subscriptions are read once")
	require.Equal(t, int64(2), sum.Read, "siblings are not counted as read")
	var mrr float64
	var seats int
	require.NoError(t, w.st.DB().QueryRow(context.Background(),
		`SELECT mrr::float8, seats FROM account WHERE external_id = 'acme.io'`).Scan(&mrr, &seats))
	require.Equal(t, 40.0, mrr, "both customers' $20 subscriptions, not the last page's alone")
	require.Equal(t, 2, seats)
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM account`), "x@acme.io.example.com is another domain")
}

// TestStripeSyncMalformedAnswer: an answer that is not Stripe's JSON fails
// the run in one line naming the source and the list, writing nothing.
func TestStripeSyncMalformedAnswer(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	proxy.set(once("/v1/subscriptions", http.StatusOK, nil, `{"object":"list","data":[{"id":5,"object":"subscription"}],"has_more":false}`))
	_, err := w.run(t, stripeSource(apiURL, w.clock.Now()), false)
	require.EqualError(t, err, "sync stripe: Stripe's answer on subscriptions is not the JSON expected; check that STRIPE_API_URL is Stripe's API")
	require.Zero(t, w.count(t, `SELECT count(*) FROM account`))
}
