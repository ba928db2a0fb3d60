package connector

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jonboulle/clockwork"

	"github.com/healthbot/healthbot/store"
)

// HubSpotSourceTag is the source of every signal the HubSpot sync writes.
const HubSpotSourceTag = "hubspot"

// HubSpotConfig configures the HubSpot sync.
type HubSpotConfig struct {
	Token      string            // HUBSPOT_TOKEN: a private app's access token
	APIURL     string            // HUBSPOT_API_URL; "" is https://api.hubapi.com/
	Map        map[string]string // HEALTHBOT_HUBSPOT_MAP: account field (or attribute) → company property
	HTTPClient *http.Client      // nil: a client with a 60s timeout
	PageSize   int               // search page size; 0 means 100 (HubSpot allows 200)
	SearchCap  int               // results one search can page through; 0 means HubSpot's 10,000
	Clock      clockwork.Clock   // paces requests (hubspot_pace.go); nil: the real clock
}

// hubspotSearchCap is how many results one search query pages through:
// HubSpot refuses `after` beyond 10,000, so a longer walk restarts the
// search from the last modification time it reached.
const hubspotSearchCap = 10_000

// HubSpot object types the sync reads, in order.
const (
	hsCompanies = "companies"
	hsTickets   = "tickets"
	hsDeals     = "deals"
)

var hubspotPhases = []string{hsCompanies, hsTickets, hsDeals}

// hubspotCursor is the sync_source cursor: per object type the
// hs_lastmodifieddate (ms) a finished walk reached, and the walk in
// progress (phase, its search's lower bound and after).
type hubspotCursor struct {
	Since map[string]int64 `json:"since,omitempty"`
	Phase string           `json:"phase,omitempty"`
	From  int64            `json:"from,omitempty"`  // lower bound of the current search
	After string           `json:"after,omitempty"` // paging token within it
	Max   int64            `json:"max,omitempty"`   // latest modification read in this walk
}

// HubSpotSource reads companies (→ accounts, owners → CSMs by email),
// tickets (→ support_tickets, one per ticket at its creation) and
// closed-won deals (→ renewal_won, the amount at the close date, and a
// renewal outcome moving the renewal date; see mapDeal) through
// the CRM v3 search API, sorted by hs_lastmodifieddate, so each run reads
// only what changed since the last.
type HubSpotSource struct {
	cfg    HubSpotConfig
	owners map[string]string // owner id → email, read once per run
	pace   *hubspotPacer
}

// NewHubSpotSource builds the source.
func NewHubSpotSource(cfg HubSpotConfig) *HubSpotSource {
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.hubapi.com/"
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 60 * time.Second}
	}
	if cfg.PageSize == 0 {
		cfg.PageSize = 100
	}
	if cfg.SearchCap == 0 {
		cfg.SearchCap = hubspotSearchCap
	}
	if cfg.Clock == nil {
		cfg.Clock = clockwork.NewRealClock()
	}
	return &HubSpotSource{cfg: cfg, pace: newHubSpotPacer(cfg.Clock)}
}

// Name implements Source.
func (h *HubSpotSource) Name() string { return "hubspot" }

// HubSpotDealRenewalField maps the deal property holding the next contract
// end a closed-won renewal deal moves the account's renewal date to.
const HubSpotDealRenewalField = "deal.renewal_date"

func isDealField(field string) bool { return strings.HasPrefix(field, "deal.") }

// ParseHubSpotMap reads HEALTHBOT_HUBSPOT_MAP: field=property pairs,
// comma-separated; a field that is not an account field becomes an
// attribute, and deal.renewal_date names a deal property.
func ParseHubSpotMap(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, pair := range strings.Split(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		field, prop, ok := strings.Cut(pair, "=")
		field, prop = strings.TrimSpace(field), strings.TrimSpace(prop)
		if !ok || field == "" || prop == "" {
			return nil, fmt.Errorf("%q is not field=hubspot_property", pair)
		}
		switch {
		case field == "external_id", field == "name", field == "domain", field == "owner_email", field == "owner_slack_id":
			return nil, fmt.Errorf("%s comes from the company itself and cannot be mapped", field)
		case isDealField(field) && field != HubSpotDealRenewalField:
			return nil, fmt.Errorf("%s: the only deal field is %s (the next contract end a renewal deal carries)", field, HubSpotDealRenewalField)
		}
		out[field] = prop
	}
	if out["renewal_date"] != "" && out[HubSpotDealRenewalField] != "" {
		return nil, fmt.Errorf("map renewal_date from companies or %s from deals, not both: the two would move it back and forth", HubSpotDealRenewalField)
	}
	return out, nil
}

// Fetch implements Source: one search page of the current object type.
func (h *HubSpotSource) Fetch(ctx context.Context, cursor string) (Page, error) {
	var c hubspotCursor
	if cursor != "" {
		if err := json.Unmarshal([]byte(cursor), &c); err != nil {
			return Page{}, fmt.Errorf("stored cursor is not HubSpot's; run with --full")
		}
	}
	if c.Since == nil {
		c.Since = map[string]int64{}
	}
	if c.Phase == "" {
		c.Phase, c.From = hsCompanies, c.Since[hsCompanies]
	}
	if h.owners == nil && c.Phase == hsCompanies {
		if err := h.readOwners(ctx); err != nil {
			return Page{}, err
		}
	}
	res, err := h.search(ctx, c)
	if err != nil {
		return Page{}, err
	}
	var p Page
	switch c.Phase {
	case hsCompanies:
		p = h.mapCompanies(res.Results)
	case hsTickets:
		p, err = h.mapAssociated(ctx, hsTickets, res.Results, h.mapTicket)
	case hsDeals:
		p, err = h.mapAssociated(ctx, hsDeals, res.Results, h.mapDeal)
	}
	if err != nil {
		return Page{}, err
	}
	for _, o := range res.Results {
		if t, ok := hubspotTime(o.Properties["hs_lastmodifieddate"]); ok {
			c.Max = max(c.Max, t.UnixMilli())
		}
	}
	h.advance(&c, res)
	p.Done = c.Phase == ""
	b, _ := json.Marshal(c)
	p.Next = string(b)
	return p, nil
}

// advance moves the cursor past a page: the next page, a restarted search
// past the 10,000-result cap, or the next object type.
func (h *HubSpotSource) advance(c *hubspotCursor, res hubspotSearchResult) {
	next := ""
	if res.Paging != nil && res.Paging.Next != nil {
		next = res.Paging.Next.After
	}
	if n, err := strconv.Atoi(next); next != "" && err == nil && n+h.cfg.PageSize > h.cfg.SearchCap {
		// Restart from the latest modification read; the records at that
		// instant are read again and stay unchanged. Should a whole search
		// share one instant, move past it rather than loop.
		c.From, c.After = max(c.Max, c.From+1), ""
		return
	}
	if next != "" {
		c.After = next
		return
	}
	if c.Max > 0 {
		c.Since[c.Phase] = c.Max
	}
	i := slices.Index(hubspotPhases, c.Phase)
	c.After, c.Max = "", 0
	if i+1 == len(hubspotPhases) {
		c.Phase, c.From = "", 0
		return
	}
	c.Phase = hubspotPhases[i+1]
	c.From = c.Since[c.Phase]
}

type hubspotObject struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

type hubspotSearchResult struct {
	Total   int             `json:"total"`
	Results []hubspotObject `json:"results"`
	Paging  *struct {
		Next *struct {
			After string `json:"after"`
		} `json:"next"`
	} `json:"paging"`
}

type hubspotFilter struct {
	PropertyName string `json:"propertyName"`
	Operator     string `json:"operator"`
	Value        string `json:"value"`
}

// search runs one page of the current phase's search.
func (h *HubSpotSource) search(ctx context.Context, c hubspotCursor) (hubspotSearchResult, error) {
	filters := []hubspotFilter{{PropertyName: "hs_lastmodifieddate", Operator: "GTE", Value: strconv.FormatInt(c.From, 10)}}
	props := []string{"hs_lastmodifieddate"}
	switch c.Phase {
	case hsCompanies:
		props = append(props, "name", "domain", "lifecyclestage", "hubspot_owner_id")
		for field, p := range h.cfg.Map {
			if !isDealField(field) {
				props = append(props, p)
			}
		}
		slices.Sort(props)
		props = slices.Compact(props)
	case hsTickets:
		props = append(props, "createdate")
	case hsDeals:
		props = append(props, "closedate", "amount", "dealstage", "dealtype")
		if prop := h.cfg.Map[HubSpotDealRenewalField]; prop != "" {
			props = append(props, prop)
		}
		// hs_is_closed_won holds for the won stage of every pipeline (a
		// renewals pipeline has its own stage ids), not only the default's
		// closedwon.
		filters = append(filters, hubspotFilter{PropertyName: "hs_is_closed_won", Operator: "EQ", Value: "true"})
	}
	body := map[string]any{
		"filterGroups": []any{map[string]any{"filters": filters}},
		"sorts":        []any{map[string]string{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}},
		"properties":   props,
		"limit":        h.cfg.PageSize,
	}
	if c.After != "" {
		body["after"] = c.After
	}
	var res hubspotSearchResult
	err := h.call(ctx, http.MethodPost, "crm/v3/objects/"+c.Phase+"/search", body, &res)
	return res, err
}

// readOwners maps every owner id to its email (GET /crm/v3/owners, paged).
func (h *HubSpotSource) readOwners(ctx context.Context) error {
	owners := map[string]string{}
	after := ""
	for {
		path := "crm/v3/owners?limit=100"
		if after != "" {
			path += "&after=" + after
		}
		var res struct {
			Results []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"results"`
			Paging *struct {
				Next *struct {
					After string `json:"after"`
				} `json:"next"`
			} `json:"paging"`
		}
		if err := h.call(ctx, http.MethodGet, path, nil, &res); err != nil {
			return err
		}
		for _, o := range res.Results {
			owners[o.ID] = o.Email
		}
		if res.Paging == nil || res.Paging.Next == nil || res.Paging.Next.After == "" {
			h.owners = owners
			return nil
		}
		after = res.Paging.Next.After
	}
}

// hubspotExternalID is a company's account: its domain, else hubspot-<id>,
// so Stripe customers matched by email domain meet their company.
func hubspotExternalID(o hubspotObject) string {
	if d := strings.ToLower(strings.TrimSpace(o.Properties["domain"])); d != "" {
		return d
	}
	return "hubspot-" + o.ID
}

// mapCompanies turns companies into accounts.
func (h *HubSpotSource) mapCompanies(objs []hubspotObject) Page {
	p := Page{Read: int64(len(objs))}
	p.AccountFields = []string{"external_id", "name", "domain", "owner_email"}
	for field := range h.cfg.Map {
		if slices.Contains(store.AccountFields, field) {
			p.AccountFields = append(p.AccountFields, field)
		}
	}
	for i, o := range objs {
		name := strings.TrimSpace(o.Properties["name"])
		if name == "" {
			name = cmp.Or(o.Properties["domain"], "HubSpot company "+o.ID)
		}
		row := store.AccountRow{
			Line: int64(i + 1), ExternalID: hubspotExternalID(o), Name: name,
			Domain: strings.ToLower(o.Properties["domain"]), OwnerEmail: h.owners[o.Properties["hubspot_owner_id"]],
		}
		attrs := map[string]string{"hubspot_company_id": o.ID}
		if st := o.Properties["lifecyclestage"]; st != "" {
			attrs["hubspot_lifecycle_stage"] = st
		}
		bad := false
		for field, prop := range h.cfg.Map {
			if isDealField(field) {
				continue
			}
			v := strings.TrimSpace(o.Properties[prop])
			if !slices.Contains(store.AccountFields, field) {
				if v != "" {
					attrs[field] = v
				}
				continue
			}
			if err := setAccountField(&row, field, v); err != nil {
				p.Skip(fmt.Sprintf("companies with a bad %s (property %s)", field, prop))
				bad = true
			}
		}
		if bad {
			continue
		}
		row.Attributes, _ = json.Marshal(attrs)
		p.Accounts = append(p.Accounts, row)
	}
	return p
}

// setAccountField sets a mapped account field from a HubSpot property value.
func setAccountField(r *store.AccountRow, field, v string) error {
	switch field {
	case "segment":
		r.Segment = v
	case "plan":
		r.Plan = v
	case "mrr":
		if v == "" {
			return nil
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 {
			return errors.New("not an amount")
		}
		r.MRR = f
	case "seats":
		if v == "" {
			return nil
		}
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return errors.New("not a whole number")
		}
		r.Seats = int32(n)
	case "renewal_date", "started_at", "churned_at":
		var t time.Time
		if v != "" {
			var ok bool
			if t, ok = hubspotTime(v); !ok {
				return errors.New("not a date")
			}
			t = utcDay(t)
		}
		switch field {
		case "renewal_date":
			r.RenewalDate = t
		case "started_at":
			r.StartedAt = t
		default:
			r.ChurnedAt = t
		}
	}
	return nil
}

// mapAssociated maps tickets or deals through each one's company's
// account (the first associated company) with one.
func (h *HubSpotSource) mapAssociated(ctx context.Context, objType string, objs []hubspotObject,
	one func(p *Page, line int64, account string, o hubspotObject)) (Page, error) {
	p := Page{Read: int64(len(objs))}
	if len(objs) == 0 {
		return p, nil
	}
	companyOf, err := h.companiesOf(ctx, objType, objs)
	if err != nil {
		return Page{}, err
	}
	ids := make([]string, 0, len(companyOf))
	for _, c := range companyOf {
		ids = append(ids, c)
	}
	accounts, err := h.companyAccounts(ctx, ids)
	if err != nil {
		return Page{}, err
	}
	for i, o := range objs {
		acc, ok := accounts[companyOf[o.ID]]
		if !ok {
			p.Skip(objType + " without a company")
			continue
		}
		one(&p, int64(i+1), acc, o)
	}
	return p, nil
}

// mapTicket: a ticket is one support_tickets at its creation.
func (h *HubSpotSource) mapTicket(p *Page, line int64, account string, o hubspotObject) {
	at, ok := hubspotTime(o.Properties["createdate"])
	if !ok {
		p.Skip("tickets without a date")
		return
	}
	p.Signals = append(p.Signals, store.SignalRow{Line: line, Account: account, Metric: "support_tickets", ObservedAt: at, Value: 1, Source: HubSpotSourceTag})
}

// HubSpotNewBusiness is the dealtype of a deal that wins a new customer;
// every other closed-won deal (existingbusiness, or no type) renews.
const HubSpotNewBusiness = "newbusiness"

// mapDeal: a closed-won deal is a renewal_won signal (its amount at its
// close date) and, unless it is new business, a renewal of the account,
// whose renewal date moves to the deal's next contract end when the map
// names that property (deal.renewal_date=...).
func (h *HubSpotSource) mapDeal(p *Page, line int64, account string, o hubspotObject) {
	closed, ok := hubspotTime(o.Properties["closedate"])
	if !ok {
		p.Skip("deals without a close date")
		return
	}
	amount, _ := strconv.ParseFloat(o.Properties["amount"], 64)
	p.Signals = append(p.Signals, store.SignalRow{Line: line, Account: account, Metric: "renewal_won", ObservedAt: closed, Value: amount, Source: HubSpotSourceTag})
	if o.Properties["dealtype"] == HubSpotNewBusiness {
		return
	}
	r := store.SyncRenewal{Account: account, Ref: "hubspot-deal:" + o.ID, ClosedOn: closed}
	if prop := h.cfg.Map[HubSpotDealRenewalField]; prop != "" {
		if v := strings.TrimSpace(o.Properties[prop]); v != "" {
			next, ok := hubspotTime(v)
			if !ok {
				p.Skip(fmt.Sprintf("deals with a bad %s (property %s)", HubSpotDealRenewalField, prop))
				return
			}
			r.NextRenewal = utcDay(next)
		}
	}
	p.Renewals = append(p.Renewals, r)
}

// companiesOf reads the first associated company of each object
// (POST /crm/v4/associations/{type}/companies/batch/read).
func (h *HubSpotSource) companiesOf(ctx context.Context, objType string, objs []hubspotObject) (map[string]string, error) {
	inputs := make([]map[string]string, len(objs))
	for i, o := range objs {
		inputs[i] = map[string]string{"id": o.ID}
	}
	var res struct {
		Results []struct {
			From struct {
				ID string `json:"id"`
			} `json:"from"`
			To []struct {
				ToObjectID json.Number `json:"toObjectId"`
			} `json:"to"`
		} `json:"results"`
	}
	if err := h.call(ctx, http.MethodPost, "crm/v4/associations/"+objType+"/companies/batch/read", map[string]any{"inputs": inputs}, &res); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, r := range res.Results {
		if len(r.To) > 0 {
			out[r.From.ID] = r.To[0].ToObjectID.String()
		}
	}
	return out, nil
}

// companyAccounts maps company ids to their accounts' external ids
// (POST /crm/v3/objects/companies/batch/read).
func (h *HubSpotSource) companyAccounts(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	inputs := make([]map[string]string, len(ids))
	for i, id := range ids {
		inputs[i] = map[string]string{"id": id}
	}
	var res struct {
		Results []hubspotObject `json:"results"`
	}
	if err := h.call(ctx, http.MethodPost, "crm/v3/objects/companies/batch/read",
		map[string]any{"properties": []string{"domain"}, "inputs": inputs}, &res); err != nil {
		return nil, err
	}
	for _, o := range res.Results {
		out[o.ID] = hubspotExternalID(o)
	}
	return out, nil
}

// call sends one request with the bearer token, paced under HubSpot's
// limits, and decodes the answer;
// 429 becomes a RateLimitedError, 401/403 and others a one-line instruction.
func (h *HubSpotSource) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.cfg.APIURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+h.cfg.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if err := h.pace.wait(ctx, strings.HasSuffix(path, "/search")); err != nil {
		return err
	}
	resp, err := h.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("cannot reach HubSpot: %w; check HUBSPOT_API_URL and the network", transportError(err))
	}
	defer resp.Body.Close()
	h.pace.observe(resp.Header)
	what := strings.SplitN(path, "?", 2)[0]
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return &RateLimitedError{RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	case resp.StatusCode == http.StatusUnauthorized:
		return errors.New("HubSpot rejected HUBSPOT_TOKEN (401): set a private app access token")
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("HUBSPOT_TOKEN may not read %s (403): give the private app the scopes listed in the README", what)
	case resp.StatusCode >= 300:
		var e struct {
			Message string `json:"message"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&e)
		return fmt.Errorf("HubSpot answered %d on %s: %s", resp.StatusCode, what, e.Message)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("HubSpot's answer on %s is not the JSON expected: %w", what, err)
	}
	return nil
}

// hubspotTime reads a HubSpot datetime or date property: ISO 8601, a
// date, or epoch milliseconds.
func hubspotTime(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
