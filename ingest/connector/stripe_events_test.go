package connector

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82"
)

// stripeEventsFixture is testdata/stripe/events.json: an /v1/events
// answer in Stripe's wire format, newest first, around the sync world's
// noon (2025-12-06 12:00 UTC): events on subscriptions, invoices (one with
// its customer expanded), customers and discounts, and ones the sync
// ignores (a charge, a plan, one older than the watermark).
func stripeEventsFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/stripe/events.json")
	require.NoError(t, err)
	return b
}

func TestEventCustomer(t *testing.T) {
	t.Parallel()
	var list stripe.EventList
	require.NoError(t, json.Unmarshal(stripeEventsFixture(t), &list))
	want := map[string]string{
		"evt_sub_updated":  "cus_QXg1o8vcGmoR32", // a subscription's customer
		"evt_inv_paid":     "cus_Beta",           // an invoice's
		"evt_cus_updated":  "cus_QXg1o8vcGmoR32", // the customer itself
		"evt_discount":     "cus_Gamma",          // a discount's
		"evt_inv_expanded": "cus_Delta",          // an expanded customer
		"evt_charge":       "",                   // not an event the sync reads
		"evt_plan":         "",
		"evt_before":       "cus_Old",
	}
	require.Len(t, list.Data, len(want))
	for _, e := range list.Data {
		require.Equal(t, want[e.ID], EventCustomer(e), e.ID)
	}
	require.Empty(t, EventCustomer(&stripe.Event{Type: "customer.updated", Data: &stripe.EventData{Raw: []byte(`[1]`)}}), "malformed")
	require.LessOrEqual(t, len(stripeEventTypes), 20, "the Events API takes at most 20 types")
}

// eventsProxy serves the fixture's events and records each events query.
func eventsProxy(t *testing.T, proxy *stripeProxy, events []byte, queries *[]string) {
	proxy.set(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/v1/events" {
			return false
		}
		*queries = append(*queries, r.URL.RawQuery)
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write(events)
		return true
	})
}

// TestStripeEventsPass: after a full pass, a run reads only the customers
// events created since name, asking Stripe for the events after the
// watermark; a run with no new events reads nothing; a day on, a full pass.
func TestStripeEventsPass(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	src := func() *StripeSource { return stripeSource(apiURL, w.clock.Now()) }

	// stripe-mock serves one fixture event (plan.created, 2009) whatever
	// the filters: the first run is a full pass all the same.
	sum, err := w.run(t, src(), false)
	require.NoError(t, err)
	require.Equal(t, int64(1), sum.Read)
	since := w.clock.Now().Add(-stripeSkew).Unix()
	require.JSONEq(t, `{"since":`+strconv.FormatInt(since, 10)+`,"full_at":`+strconv.FormatInt(since, 10)+`}`, w.state(t, "stripe").Cursor)

	// Against stripe-mock itself the events pass finds nothing to read.
	sum, err = w.run(t, src(), false)
	require.NoError(t, err)
	require.Zero(t, sum.Read, "stripe-mock's plan.created is older than the watermark and no customer's")
	require.Contains(t, proxy.seen(), "/v1/events")

	var queries []string
	eventsProxy(t, proxy, stripeEventsFixture(t), &queries)
	proxy.forget()
	sum, err = w.run(t, src(), false)
	require.NoError(t, err)
	require.Len(t, queries, 1)
	q, err := url.ParseQuery(queries[0])
	require.NoError(t, err)
	require.Equal(t, strconv.FormatInt(since, 10), q.Get("created[gt]"))
	require.Equal(t, "customer.created", q.Get("types[0]"))
	require.Equal(t, "invoice.overdue", q.Get("types[19]"))
	require.Equal(t, int64(4), sum.Read, "cus_Beta, cus_Delta, cus_Gamma and stripe-mock's customer, once")
	require.Equal(t, int64(1), sum.Accounts.Unchanged, "stripe-mock's customer did not change")
	require.Equal(t, int64(3), sum.Accounts.Inserted)
	require.NotContains(t, proxy.seen(), "/v1/customers", "no customer list: only the changed ones")
	for _, id := range []string{"cus_Beta", "cus_Delta", "cus_Gamma", stripeMockCustomer} {
		require.Contains(t, proxy.seen(), "/v1/customers/"+id)
	}
	require.Contains(t, w.state(t, "stripe").Cursor, `"since":1765022700`, "the newest event read")

	// The same events again (as if Stripe ignored the filter): all at or
	// before the watermark, nothing read.
	sum, err = w.run(t, src(), false)
	require.NoError(t, err)
	require.Zero(t, sum.Read)

	// A day later the run is a full pass again.
	w.clock.Advance(24 * time.Hour)
	proxy.forget()
	sum, err = w.run(t, src(), false)
	require.NoError(t, err)
	require.Contains(t, proxy.seen(), "/v1/customers")
	require.NotContains(t, proxy.seen(), "/v1/events")
	require.Equal(t, int64(3), sum.Signals.Inserted, "the new day's mrr, seats and days_invoice_overdue of stripe-mock's customer")
}

// TestStripeEventsPassResumes: an events pass that fails on its second
// page keeps the first and resumes after it.
func TestStripeEventsPassResumes(t *testing.T) {
	t.Parallel()
	w := newSyncWorld(t)
	proxy, apiURL := newStripeProxy(t)
	src := func() *StripeSource {
		return NewStripeSource(StripeConfig{APIKey: "sk_test_123", APIURL: apiURL, PageSize: 2, Now: w.clock.Now})
	}
	_, err := w.run(t, src(), false)
	require.NoError(t, err)

	var queries []string
	eventsProxy(t, proxy, stripeEventsFixture(t), &queries)
	proxy.mu.Lock()
	served := proxy.intercept
	proxy.mu.Unlock()
	failed := false
	proxy.set(func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/v1/customers/cus_Gamma" && !failed {
			failed = true
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadGateway)
			_, _ = rw.Write([]byte(`{"error":{"type":"api_error","message":"Bad gateway"}}`))
			return true
		}
		return served(rw, r)
	})
	_, err = w.run(t, src(), false)
	require.EqualError(t, err, "sync stripe: Stripe answered 502 on customer: Bad gateway")
	cursor := w.state(t, "stripe").Cursor
	require.Contains(t, cursor, `"mode":"events"`)
	require.Contains(t, cursor, `"done":"cus_Delta"`, "the first page (cus_Beta, cus_Delta) is written")
	require.Equal(t, 2, w.count(t, `SELECT count(*) FROM account WHERE external_id IN ('cus_Beta', 'cus_Delta')`))
	require.Zero(t, w.count(t, `SELECT count(*) FROM account WHERE external_id = 'cus_Gamma'`))

	sum, err := w.run(t, src(), false)
	require.NoError(t, err)
	require.Equal(t, int64(2), sum.Read, "cus_Gamma and stripe-mock's customer, not the first page again")
	require.Len(t, queries, 2, "the rerun reads the same events again (up to the same newest)")
	q, err := url.ParseQuery(queries[1])
	require.NoError(t, err)
	require.Equal(t, "1765022700", q.Get("created[lte]"))
	require.Contains(t, w.state(t, "stripe").Cursor, `"since":1765022700`)
	require.NotContains(t, w.state(t, "stripe").Cursor, `"mode"`)
}
