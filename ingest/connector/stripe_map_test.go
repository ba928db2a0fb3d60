package connector

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stripe/stripe-go/v82"

	"github.com/healthbot/healthbot/store"
)

// stripeFixture is testdata/stripe/customers.json: customers in Stripe's
// wire format with their subscriptions and invoices.
type stripeFixture struct {
	Now       time.Time `json:"now"`
	Customers []struct {
		Customer      *stripe.Customer       `json:"customer"`
		Subscriptions []*stripe.Subscription `json:"subscriptions"`
		Invoices      []*stripe.Invoice      `json:"invoices"`
	} `json:"customers"`
}

func loadStripeFixture(t *testing.T) ([]StripeCustomer, time.Time) {
	t.Helper()
	b, err := os.ReadFile("testdata/stripe/customers.json")
	require.NoError(t, err)
	var f stripeFixture
	require.NoError(t, json.Unmarshal(b, &f))
	out := make([]StripeCustomer, len(f.Customers))
	for i, c := range f.Customers {
		out[i] = StripeCustomer{Customer: c.Customer, Subscriptions: c.Subscriptions, Invoices: c.Invoices}
	}
	return out, f.Now
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestMapStripeAccounts(t *testing.T) {
	t.Parallel()
	customers, now := loadStripeFixture(t)
	p := MapStripe(customers, DefaultStripeMatch, now)

	byID := map[string]store.AccountRow{}
	for _, a := range p.Accounts {
		byID[a.ExternalID] = a
	}
	tests := []struct {
		name, id string
		want     store.AccountRow
	}{
		{"annual plan after a 20% discount, matched by email domain", "acme.io", store.AccountRow{
			Name: "Acme", Plan: "Pro annual", MRR: 800, Seats: 10, // 1,200.00 × 10 a year = 1,000 a month, −20%
			RenewalDate: day("2027-01-01"), StartedAt: day("2024-01-01")}},
		{"a trial brings seats but no revenue, matched by metadata", "globex", store.AccountRow{
			Name: "Globex", Plan: "team_monthly", Seats: 5, RenewalDate: day("2025-12-15"), StartedAt: day("2025-12-01")}},
		{"churned when the last subscription ended", "initech.com", store.AccountRow{
			Name: "Initech", StartedAt: day("2024-01-01"), ChurnedAt: day("2025-11-01")}},
		{"two customers and three subscriptions add up", "umbrella.com", store.AccountRow{
			// 4 × 30 − 50 amount off = 70; quarterly 2 × 90 −50% (until 2026) = 30 a month;
			// weekly 12 × 52 / 12 = 52; the metered item adds neither revenue nor seats.
			Name: "Umbrella", Plan: "Team", MRR: 152, Seats: 7,
			RenewalDate: day("2025-12-13"), StartedAt: day("2024-07-01")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := byID[tc.id]
			require.True(t, ok, "account %s", tc.id)
			tc.want.ExternalID, tc.want.Line = tc.id, got.Line
			require.Equal(t, tc.want, got)
		})
	}
	require.Len(t, p.Accounts, len(tests))
	require.Equal(t, int64(7), p.Read)
	require.Equal(t, map[string]int{"customers without subscriptions": 2}, p.Skipped)
	require.Equal(t, []string{"name"}, p.InsertOnly)
}

func TestMapStripeSignals(t *testing.T) {
	t.Parallel()
	customers, now := loadStripeFixture(t)
	p := MapStripe(customers, DefaultStripeMatch, now)
	got := map[string]float64{}
	for _, s := range p.Signals {
		require.Equal(t, StripeSourceTag, s.Source)
		got[s.Account+" "+s.Metric+" "+s.ObservedAt.Format(time.DateOnly)] = s.Value
	}
	today := "2025-12-06"
	want := map[string]float64{
		"acme.io mrr " + today: 800, "acme.io seats " + today: 10, "acme.io days_invoice_overdue " + today: 0,
		"globex mrr " + today: 0, "globex seats " + today: 5, "globex days_invoice_overdue " + today: 0,
		"initech.com mrr " + today: 0, "initech.com seats " + today: 0, "initech.com days_invoice_overdue " + today: 0,
		"initech.com late_invoices 2025-10-01": 1, // uncollectible
		"umbrella.com mrr " + today:            152, "umbrella.com seats " + today: 7,
		"umbrella.com days_invoice_overdue " + today: 12, // open since Nov 24; the invoice due in January is not late
		"umbrella.com late_invoices 2025-11-24":      1,
	}
	require.Equal(t, want, got)
}

func TestMapStripeMatchOrder(t *testing.T) {
	t.Parallel()
	sub := &stripe.Subscription{Status: stripe.SubscriptionStatusActive}
	tests := []struct {
		name  string
		match []string
		c     stripe.Customer
		want  string // "" means skipped
	}{
		{"metadata first", DefaultStripeMatch, stripe.Customer{ID: "cus_1", Email: "a@b.com", Metadata: map[string]string{"healthbot_account": "acct-9"}}, "acct-9"},
		{"then the email domain", DefaultStripeMatch, stripe.Customer{ID: "cus_1", Email: "A@B.com"}, "b.com"},
		{"a personal mailbox names no company", DefaultStripeMatch, stripe.Customer{ID: "cus_1", Email: "a@gmail.com"}, "cus_1"},
		{"id only", []string{MatchID}, stripe.Customer{ID: "cus_1", Email: "a@b.com"}, "cus_1"},
		{"without id, unmatched customers are skipped", []string{MatchMetadata, MatchDomain}, stripe.Customer{ID: "cus_1", Email: "a@gmail.com"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := MapStripe([]StripeCustomer{{Customer: &tc.c, Subscriptions: []*stripe.Subscription{sub}}}, tc.match, time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC))
			if tc.want == "" {
				require.Empty(t, p.Accounts)
				require.Len(t, p.Skipped, 1)
				return
			}
			require.Len(t, p.Accounts, 1)
			require.Equal(t, tc.want, p.Accounts[0].ExternalID)
		})
	}
}

func TestSubscriptionMRRExpiredDiscount(t *testing.T) {
	t.Parallel()
	now := day("2026-06-01")
	s := &stripe.Subscription{Status: stripe.SubscriptionStatusActive,
		Discounts: []*stripe.Discount{{Coupon: &stripe.Coupon{PercentOff: 50}, End: day("2026-01-01").Unix()}},
		Items: &stripe.SubscriptionItemList{Data: []*stripe.SubscriptionItem{{Quantity: 2,
			Price: &stripe.Price{UnitAmount: 5000, Recurring: &stripe.PriceRecurring{Interval: "month", IntervalCount: 1}}}}}}
	mrr, seats := SubscriptionMRR(s, now)
	require.Equal(t, 100.0, mrr, "a discount that ended no longer applies")
	require.Equal(t, int64(2), seats)
}
