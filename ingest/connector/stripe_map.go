package connector

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v82"

	"github.com/healthbot/healthbot/store"
)

// StripeSourceTag is the source of every signal the Stripe sync writes.
const StripeSourceTag = "stripe"

// Stripe match keys, tried in order to find a customer's account.
const (
	MatchMetadata = "metadata" // metadata.healthbot_account
	MatchDomain   = "domain"   // the email's domain, unless a personal mailbox
	MatchID       = "id"       // the Stripe customer id
)

// DefaultStripeMatch is HEALTHBOT_STRIPE_MATCH's default.
var DefaultStripeMatch = []string{MatchMetadata, MatchDomain, MatchID}

// StripeMetadataKey is the customer metadata key naming an account's external id.
const StripeMetadataKey = "healthbot_account"

// stripeAccountFields are the account fields the Stripe sync sets; name is
// set only on accounts it creates (InsertOnly), so a CRM's name stays.
var stripeAccountFields = []string{"external_id", "name", "plan", "mrr", "seats", "renewal_date", "started_at", "churned_at"}

// personalDomains are mailbox providers whose domain names no company.
var personalDomains = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "hotmail.com": true, "outlook.com": true,
	"live.com": true, "icloud.com": true, "me.com": true, "aol.com": true, "proton.me": true,
	"protonmail.com": true, "gmx.com": true, "gmx.de": true, "yandex.ru": true, "mail.ru": true, "qq.com": true,
}

// StripeCustomer is a customer with its subscriptions (every status) and
// its open and uncollectible invoices.
type StripeCustomer struct {
	Customer      *stripe.Customer
	Subscriptions []*stripe.Subscription
	Invoices      []*stripe.Invoice
	Sibling       bool // listed on another page, read to complete its account
}

// stripeAccount accumulates the customers that map to one account.
type stripeAccount struct {
	row         store.AccountRow
	topMRR      float64
	live, ended bool
	lastEnded   time.Time
	late        map[time.Time]int // late invoices by due time
	overdueDays int
}

// MapStripe turns one page of customers into accounts and signals as of
// now. Customers mapping to one account add up (MRR, seats, invoices);
// the source adds each account's customers listed on other pages as
// siblings, so every page writes whole accounts.
// Signals: mrr and seats (observed at now's UTC day, so a second run that
// day changes nothing), days_invoice_overdue (the oldest open past-due
// invoice, 0 when none) and late_invoices (1 per past-due or uncollectible
// invoice, observed at its due date).
func MapStripe(customers []StripeCustomer, match []string, now time.Time) Page {
	var p Page
	p.AccountFields, p.InsertOnly = stripeAccountFields, []string{"name"}
	byKey := map[string]*stripeAccount{}
	var order []string
	for _, c := range customers {
		if !c.Sibling {
			p.Read++
		}
		key := stripeAccountKey(c.Customer, match)
		switch {
		case key == "":
			p.Skip("customers without an account key (metadata." + StripeMetadataKey + " or a company email)")
			continue
		case len(c.Subscriptions) == 0:
			if !c.Sibling { // counted on its own page
				p.Skip("customers without subscriptions")
			}
			continue
		}
		a := byKey[key]
		if a == nil {
			a = &stripeAccount{row: store.AccountRow{ExternalID: key, Name: stripeName(c.Customer)}, late: map[time.Time]int{}}
			byKey[key] = a
			order = append(order, key)
		}
		a.addSubscriptions(c.Subscriptions, now)
		a.addInvoices(c.Invoices, now)
	}
	day := utcDay(now)
	for i, key := range order {
		a := byKey[key]
		a.row.Line = int64(i + 1)
		a.row.MRR = math.Round(a.row.MRR*100) / 100
		if !a.live && a.ended {
			a.row.ChurnedAt = utcDay(a.lastEnded)
		}
		p.Accounts = append(p.Accounts, a.row)
		sig := func(metric string, at time.Time, v float64) {
			p.Signals = append(p.Signals, store.SignalRow{Line: a.row.Line, Account: key, Metric: metric, ObservedAt: at, Value: v, Source: StripeSourceTag})
		}
		sig("mrr", day, a.row.MRR)
		sig("seats", day, float64(a.row.Seats))
		sig("days_invoice_overdue", day, float64(a.overdueDays))
		dues := make([]time.Time, 0, len(a.late))
		for due := range a.late {
			dues = append(dues, due)
		}
		slices.SortFunc(dues, time.Time.Compare)
		for _, due := range dues {
			sig("late_invoices", due, float64(a.late[due]))
		}
	}
	return p
}

// stripeAccountKey finds a customer's account external id by the match
// order, "" when none applies.
func stripeAccountKey(c *stripe.Customer, match []string) string {
	key, _ := stripeAccountMatch(c, match)
	return key
}

// stripeAccountMatch is stripeAccountKey and the match step that found it.
func stripeAccountMatch(c *stripe.Customer, match []string) (key, how string) {
	for _, m := range match {
		switch m {
		case MatchMetadata:
			if v := strings.TrimSpace(c.Metadata[StripeMetadataKey]); v != "" {
				return v, m
			}
		case MatchDomain:
			if d := companyDomain(c.Email); d != "" {
				return d, m
			}
		case MatchID:
			return c.ID, m
		}
	}
	return "", ""
}

// companyDomain is email's domain, "" for none or a personal mailbox.
func companyDomain(email string) string {
	_, d, ok := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	if !ok || d == "" || personalDomains[d] {
		return ""
	}
	return d
}

func stripeName(c *stripe.Customer) string {
	if n := strings.TrimSpace(c.Name); n != "" {
		return n
	}
	if d := companyDomain(c.Email); d != "" {
		return d
	}
	return c.ID
}

// liveStatus: subscriptions that still run. Trials count for seats and
// churn but bring no revenue; past_due and unpaid still owe it.
func liveStatus(s stripe.SubscriptionStatus) bool {
	switch s {
	case stripe.SubscriptionStatusActive, stripe.SubscriptionStatusPastDue, stripe.SubscriptionStatusUnpaid,
		stripe.SubscriptionStatusTrialing, stripe.SubscriptionStatusPaused:
		return true
	}
	return false
}

func (a *stripeAccount) addSubscriptions(subs []*stripe.Subscription, now time.Time) {
	for _, s := range subs {
		if s.StartDate > 0 {
			if st := utcDay(time.Unix(s.StartDate, 0)); a.row.StartedAt.IsZero() || st.Before(a.row.StartedAt) {
				a.row.StartedAt = st
			}
		}
		if !liveStatus(s.Status) {
			if s.Status == stripe.SubscriptionStatusCanceled && s.EndedAt > 0 {
				a.ended = true
				if t := time.Unix(s.EndedAt, 0); t.After(a.lastEnded) {
					a.lastEnded = t
				}
			}
			continue
		}
		a.live = true
		mrr, seats := SubscriptionMRR(s, now)
		a.row.Seats += int32(seats)
		a.row.MRR += mrr
		if mrr > a.topMRR || a.row.Plan == "" {
			a.topMRR = max(mrr, a.topMRR)
			a.row.Plan = subscriptionPlan(s)
		}
		if r := subscriptionRenewal(s); !r.IsZero() && (a.row.RenewalDate.IsZero() || r.Before(a.row.RenewalDate)) {
			a.row.RenewalDate = r
		}
	}
}

// SubscriptionMRR is a live subscription's monthly revenue in the
// currency's major unit: each licensed item's unit amount × quantity,
// normalised to a month, after the item's and the subscription's
// discounts that still apply at now; trials bring none. Seats are the
// licensed items' quantities.
func SubscriptionMRR(s *stripe.Subscription, now time.Time) (mrr float64, seats int64) {
	if s.Items == nil {
		return 0, 0
	}
	var total, perMonthFactor float64
	for _, it := range s.Items.Data {
		if it.Price == nil || it.Price.Recurring == nil || it.Price.Recurring.UsageType == stripe.PriceRecurringUsageTypeMetered {
			continue
		}
		seats += it.Quantity
		f := monthFactor(it.Price.Recurring)
		if perMonthFactor == 0 {
			perMonthFactor = f
		}
		unit := float64(it.Price.UnitAmount)
		if it.Price.UnitAmountDecimal != 0 {
			unit = it.Price.UnitAmountDecimal
		}
		amount := unit * float64(it.Quantity)
		amount = applyDiscounts(amount, it.Discounts, now)
		total += amount * f
	}
	if s.Status == stripe.SubscriptionStatusTrialing {
		return 0, seats
	}
	// Subscription-level discounts apply per invoice, so an amount off an
	// annual plan's invoice is a twelfth of it a month.
	for _, d := range s.Discounts {
		c := activeCoupon(d, now)
		if c == nil {
			continue
		}
		if c.PercentOff > 0 {
			total *= 1 - c.PercentOff/100
		}
		if c.AmountOff > 0 {
			total -= float64(c.AmountOff) * cmp.Or(perMonthFactor, 1)
		}
	}
	return max(total, 0) / 100, seats
}

// applyDiscounts takes an item's own discounts off its amount.
func applyDiscounts(amount float64, ds []*stripe.Discount, now time.Time) float64 {
	for _, d := range ds {
		c := activeCoupon(d, now)
		if c == nil {
			continue
		}
		if c.PercentOff > 0 {
			amount *= 1 - c.PercentOff/100
		}
		amount -= float64(c.AmountOff)
	}
	return max(amount, 0)
}

// activeCoupon is the discount's coupon unless the discount has ended.
func activeCoupon(d *stripe.Discount, now time.Time) *stripe.Coupon {
	if d == nil || d.Coupon == nil || (d.End > 0 && time.Unix(d.End, 0).Before(now)) {
		return nil
	}
	return d.Coupon
}

// monthFactor turns one billing period's amount into a month's.
func monthFactor(r *stripe.PriceRecurring) float64 {
	n := float64(max(r.IntervalCount, 1))
	switch r.Interval {
	case stripe.PriceRecurringIntervalYear:
		return 1 / (12 * n)
	case stripe.PriceRecurringIntervalWeek:
		return 52.0 / 12 / n
	case stripe.PriceRecurringIntervalDay:
		return 365.0 / 12 / n
	}
	return 1 / n
}

// subscriptionPlan names the plan: the first item's price nickname, else
// its lookup key, else its product.
func subscriptionPlan(s *stripe.Subscription) string {
	if s.Items == nil || len(s.Items.Data) == 0 || s.Items.Data[0].Price == nil {
		return ""
	}
	p := s.Items.Data[0].Price
	switch {
	case p.Nickname != "":
		return p.Nickname
	case p.LookupKey != "":
		return p.LookupKey
	case p.Product != nil:
		return cmp.Or(p.Product.Name, p.Product.ID)
	}
	return p.ID
}

// subscriptionRenewal is when a live subscription ends or renews:
// cancel_at when set, else the end of its current period.
func subscriptionRenewal(s *stripe.Subscription) time.Time {
	if s.CancelAt > 0 {
		return utcDay(time.Unix(s.CancelAt, 0))
	}
	var end int64
	if s.Items != nil {
		for _, it := range s.Items.Data {
			end = max(end, it.CurrentPeriodEnd)
		}
	}
	if end == 0 {
		return time.Time{}
	}
	return utcDay(time.Unix(end, 0))
}

func (a *stripeAccount) addInvoices(invs []*stripe.Invoice, now time.Time) {
	for _, in := range invs {
		due := time.Unix(cmp.Or(in.DueDate, in.Created), 0).UTC()
		switch {
		case in.Status == stripe.InvoiceStatusUncollectible:
			a.late[due]++
		case in.Status == stripe.InvoiceStatusOpen && in.DueDate > 0 && due.Before(now):
			a.late[due]++
			a.overdueDays = max(a.overdueDays, int(now.Sub(due)/(24*time.Hour)))
		}
	}
}

func utcDay(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// stripeError makes a Stripe API error a one-line instruction.
func stripeError(err error, what string) error {
	var se *stripe.Error
	var ue *url.Error
	switch {
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &ue):
		return fmt.Errorf("cannot reach Stripe (%s): %w; check STRIPE_API_URL and the network", what, transportError(err))
	case !errors.As(err, &se):
		// stripe-go's decoding error quotes the answer, which may hold
		// customers' details: it is not repeated.
		return fmt.Errorf("Stripe's answer on %s is not the JSON expected; check that STRIPE_API_URL is Stripe's API", what)
	}
	switch se.HTTPStatusCode {
	case 401:
		return fmt.Errorf("Stripe rejected STRIPE_API_KEY (401 on %s): set a valid secret or restricted key", what)
	case 403:
		return fmt.Errorf("STRIPE_API_KEY may not read %s (403): give the restricted key read access to Customers, Subscriptions, Invoices and Events", what)
	case 429:
		return &RateLimitedError{RetryAfter: retryAfter(se.LastResponse)}
	}
	return fmt.Errorf("Stripe answered %d on %s: %s", se.HTTPStatusCode, what, se.Msg)
}
