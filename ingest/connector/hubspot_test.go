package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/store"
)

const hubspotTestToken = "pat-na1-test"

// fakeHubSpot speaks the CRM v3 wire format the sync uses: the search
// endpoints (filters on hs_lastmodifieddate, ascending sort, paging with
// `after`, and a cap on how far `after` may go, as HubSpot's 10,000),
// owners, v4 association batch reads and company batch reads; 401 on a
// bad token. fail, when set, answers a request itself.
type fakeHubSpot struct {
	mu        sync.Mutex
	cap       int
	objects   map[string][]fakeObject // by type
	owners    map[string]string
	assoc     map[string]string // ticket/deal id → company id
	fail      func(w http.ResponseWriter, r *http.Request) bool
	calls     []string
	lastLimit int
	limits    *fakeLimits // nil: no rate limits
}

// fakeLimits enforces HubSpot's two limits on the test's clock: max
// requests per interval, announced in X-HubSpot-RateLimit-* headers, and
// searchMax searches per second, announced in none (as HubSpot's search).
// Each request over a limit gets a 429 and is counted.
type fakeLimits struct {
	clock              clockwork.Clock
	max, searchMax     int
	interval           time.Duration
	sent, searches     []time.Time
	rejected, accepted int
}

func within(ts []time.Time, now time.Time, d time.Duration) []time.Time {
	var out []time.Time
	for _, t := range ts {
		if now.Sub(t) < d {
			out = append(out, t)
		}
	}
	return out
}

// admit answers false, with a 429, when the request is over a limit.
func (l *fakeLimits) admit(w http.ResponseWriter, r *http.Request) bool {
	now := l.clock.Now()
	l.sent = within(l.sent, now, l.interval)
	l.searches = within(l.searches, now, time.Second)
	search := strings.HasSuffix(r.URL.Path, "/search")
	if len(l.sent) >= l.max || (search && len(l.searches) >= l.searchMax) {
		l.rejected++
		w.Header().Set("Retry-After", "1")
		hubspotError(w, http.StatusTooManyRequests, "RATE_LIMITS", "You have reached your ten_secondly_rolling limit.")
		return false
	}
	l.accepted++
	l.sent = append(l.sent, now)
	if search {
		l.searches = append(l.searches, now)
		return true
	}
	w.Header().Set("X-HubSpot-RateLimit-Max", strconv.Itoa(l.max))
	w.Header().Set("X-HubSpot-RateLimit-Interval-Milliseconds", strconv.Itoa(int(l.interval/time.Millisecond)))
	w.Header().Set("X-HubSpot-RateLimit-Remaining", strconv.Itoa(l.max-len(l.sent)))
	return true
}

type fakeObject struct {
	id       string
	modified int64 // ms
	props    map[string]string
}

func newFakeHubSpot(t *testing.T) (*fakeHubSpot, string) {
	t.Helper()
	f := &fakeHubSpot{cap: 10_000, objects: map[string][]fakeObject{}, owners: map[string]string{}, assoc: map[string]string{}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func (f *fakeHubSpot) add(kind, id string, modified int64, props map[string]string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	props["hs_lastmodifieddate"] = time.UnixMilli(modified).UTC().Format("2006-01-02T15:04:05.000Z")
	f.objects[kind] = append(f.objects[kind], fakeObject{id: id, modified: modified, props: props})
}

func hubspotError(w http.ResponseWriter, status int, category, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "error", "message": msg, "correlationId": "c0ffee", "category": category})
}

func (f *fakeHubSpot) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, r.Method+" "+r.URL.Path)
	if f.fail != nil && f.fail(w, r) {
		return
	}
	if f.limits != nil && !f.limits.admit(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+hubspotTestToken {
		hubspotError(w, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication.")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	path := r.URL.Path
	switch {
	case r.Method == http.MethodGet && path == "/crm/v3/owners":
		var res []map[string]any
		for id, email := range f.owners {
			res = append(res, map[string]any{"id": id, "email": email, "firstName": "", "lastName": "", "archived": false})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"results": res})
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/search"):
		f.search(w, r, strings.TrimSuffix(strings.TrimPrefix(path, "/crm/v3/objects/"), "/search"))
	case r.Method == http.MethodPost && strings.HasPrefix(path, "/crm/v4/associations/"):
		var body struct{ Inputs []struct{ ID string } }
		_ = json.NewDecoder(r.Body).Decode(&body)
		var res []map[string]any
		for _, in := range body.Inputs {
			if c, ok := f.assoc[in.ID]; ok {
				n, _ := strconv.ParseInt(c, 10, 64)
				res = append(res, map[string]any{"from": map[string]string{"id": in.ID},
					"to": []map[string]any{{"toObjectId": n, "associationTypes": []map[string]any{{"category": "HUBSPOT_DEFINED", "typeId": 26, "label": nil}}}}})
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "COMPLETE", "results": res})
	case r.Method == http.MethodPost && path == "/crm/v3/objects/companies/batch/read":
		var body struct{ Inputs []struct{ ID string } }
		_ = json.NewDecoder(r.Body).Decode(&body)
		var res []map[string]any
		for _, in := range body.Inputs {
			for _, o := range f.objects["companies"] {
				if o.id == in.ID {
					res = append(res, map[string]any{"id": o.id, "properties": map[string]string{"domain": o.props["domain"]}, "archived": false})
				}
			}
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "COMPLETE", "results": res})
	default:
		hubspotError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "no such endpoint "+path)
	}
}

func (f *fakeHubSpot) search(w http.ResponseWriter, r *http.Request, kind string) {
	var body struct {
		FilterGroups []struct {
			Filters []hubspotFilter `json:"filters"`
		} `json:"filterGroups"`
		Sorts []struct {
			PropertyName, Direction string
		} `json:"sorts"`
		Properties []string `json:"properties"`
		Limit      int      `json:"limit"`
		After      string   `json:"after"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Limit < 1 || body.Limit > 200 {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "limit must be between 1 and 200")
		return
	}
	f.lastLimit = body.Limit
	after, _ := strconv.Atoi(cmpOr(body.After, "0"))
	if after+body.Limit > f.cap {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("paging beyond %d results is not supported", f.cap))
		return
	}
	var match []fakeObject
	for _, o := range f.objects[kind] {
		ok := true
		for _, g := range body.FilterGroups {
			for _, flt := range g.Filters {
				switch {
				case flt.PropertyName == "hs_lastmodifieddate" && flt.Operator == "GTE":
					v, _ := strconv.ParseInt(flt.Value, 10, 64)
					ok = ok && o.modified >= v
				case flt.Operator == "EQ":
					ok = ok && o.props[flt.PropertyName] == flt.Value
				}
			}
		}
		if ok {
			match = append(match, o)
		}
	}
	if len(body.Sorts) != 1 || body.Sorts[0].PropertyName != "hs_lastmodifieddate" || body.Sorts[0].Direction != "ASCENDING" {
		hubspotError(w, http.StatusBadRequest, "VALIDATION_ERROR", "the fake sorts by hs_lastmodifieddate only")
		return
	}
	slices.SortStableFunc(match, func(a, b fakeObject) int { return int(a.modified - b.modified) })
	res := []map[string]any{}
	for _, o := range match[min(after, len(match)):min(after+body.Limit, len(match))] {
		props := map[string]string{"hs_object_id": o.id}
		for _, p := range body.Properties {
			if v, ok := o.props[p]; ok {
				props[p] = v
			}
		}
		res = append(res, map[string]any{"id": o.id, "properties": props, "createdAt": "2025-01-01T00:00:00Z",
			"updatedAt": o.props["hs_lastmodifieddate"], "archived": false})
	}
	out := map[string]any{"total": len(match), "results": res}
	if after+body.Limit < len(match) {
		next := strconv.Itoa(after + body.Limit)
		out["paging"] = map[string]any{"next": map[string]string{"after": next, "link": "?after=" + next}}
	}
	_ = json.NewEncoder(w).Encode(out)
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (f *fakeHubSpot) callsTo(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		if strings.HasPrefix(c, prefix) {
			n++
		}
	}
	return n
}

// portfolio: five companies (one without a domain, one without an
// owner), two owners, four tickets (one on no company), three deals (two won).
func (f *fakeHubSpot) portfolio() {
	base := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	f.owners["11"], f.owners["12"] = "ana@vendor.com", "ben@vendor.com"
	companies := []struct{ id, name, domain, owner, industry, end string }{
		{"101", "Acme", "acme.io", "11", "SaaS", "2026-03-01"},
		{"102", "Globex", "Globex.com", "12", "Retail", ""},
		{"103", "Initech", "initech.com", "11", "", "2026-06-30"},
		{"104", "No Domain Ltd", "", "12", "Energy", ""},
		{"105", "Umbrella", "umbrella.com", "", "Pharma", ""},
	}
	for i, c := range companies {
		f.add("companies", c.id, base+int64(i)*1000, map[string]string{"name": c.name, "domain": c.domain,
			"hubspot_owner_id": c.owner, "industry": c.industry, "contract_end_date": c.end, "lifecyclestage": "customer"})
	}
	tickets := []struct{ id, company, created string }{
		{"201", "101", "2025-11-20T10:00:00Z"}, {"202", "101", "2025-11-21T10:00:00Z"},
		{"203", "104", "2025-11-22T10:00:00Z"}, {"204", "", "2025-11-23T10:00:00Z"},
	}
	for i, tk := range tickets {
		f.add("tickets", tk.id, base+int64(i)*1000, map[string]string{"createdate": tk.created})
		if tk.company != "" {
			f.assoc[tk.id] = tk.company
		}
	}
	// 301 is won in a renewals pipeline, whose stages have their own ids.
	deals := []struct{ id, company, stage, won, kind, amount, closed, end string }{
		{"301", "101", "9861234", "true", "existingbusiness", "12000", "2025-10-01", "2026-12-01"},
		{"302", "102", "closedlost", "false", "", "5000", "2025-10-02", ""},
		{"303", "103", "closedwon", "true", "newbusiness", "8000.50", "2025-10-03T00:00:00Z", ""},
	}
	for i, d := range deals {
		f.add("deals", d.id, base+int64(i)*1000, map[string]string{"dealstage": d.stage, "hs_is_closed_won": d.won, "dealtype": d.kind,
			"amount": d.amount, "closedate": d.closed, "contract_end": d.end})
		f.assoc[d.id] = d.company
	}
}

// setupHubSpot is a sync world whose fake clock moves on whenever the
// sync waits, and the fake HubSpot with the portfolio.
func setupHubSpot(t *testing.T) (*syncWorld, *fakeHubSpot, string) {
	t.Helper()
	w := newSyncWorld(t)
	w.autoAdvance(t)
	f, apiURL := newFakeHubSpot(t)
	f.portfolio()
	return w, f, apiURL
}

func hubspotSource(w *syncWorld, apiURL string) *HubSpotSource {
	return NewHubSpotSource(HubSpotConfig{Token: hubspotTestToken, APIURL: apiURL, PageSize: 2, SearchCap: 4, Clock: w.clock,
		Map: map[string]string{"segment": "industry", "renewal_date": "contract_end_date"}})
}

func TestHubSpotSync(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)

	sum, err := w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.Equal(t, int64(5), sum.Accounts.Inserted)
	require.Equal(t, int64(5), sum.Signals.Inserted, "three tickets on companies and two won deals")
	require.Equal(t, map[string]int{"tickets without a company": 1}, sum.Skipped)
	require.Equal(t, 2, f.lastLimit)

	type acct struct {
		ID, Name, Domain, Segment, Owner, Renewal, Stage string
	}
	rows, err := w.st.DB().Query(context.Background(), `SELECT a.external_id, a.name, a.domain, a.segment, coalesce(c.email, ''),
		coalesce(a.renewal_date::text, ''), a.attributes->>'hubspot_lifecycle_stage'
		FROM account a LEFT JOIN csm c ON c.id = a.owner_id ORDER BY a.external_id`)
	require.NoError(t, err)
	var got []acct
	for rows.Next() {
		var a acct
		require.NoError(t, rows.Scan(&a.ID, &a.Name, &a.Domain, &a.Segment, &a.Owner, &a.Renewal, &a.Stage))
		got = append(got, a)
	}
	require.NoError(t, rows.Err())
	require.Equal(t, []acct{
		{"acme.io", "Acme", "acme.io", "SaaS", "ana@vendor.com", "2026-03-01", "customer"},
		{"globex.com", "Globex", "globex.com", "Retail", "ben@vendor.com", "", "customer"},
		{"hubspot-104", "No Domain Ltd", "", "Energy", "ben@vendor.com", "", "customer"},
		{"initech.com", "Initech", "initech.com", "", "ana@vendor.com", "2026-06-30", "customer"},
		{"umbrella.com", "Umbrella", "umbrella.com", "Pharma", "", "", "customer"},
	}, got)
	require.Equal(t, 2, w.count(t, `SELECT count(*) FROM signal s JOIN account a ON a.id = s.account_id
		WHERE a.external_id = 'acme.io' AND s.metric = 'support_tickets' AND s.source = 'hubspot'`))
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM signal WHERE metric = 'renewal_won' AND value = 8000.5`))

	// The second run searches from each object type's watermark: only the
	// last modified records come back, unchanged.
	sum, err = w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.Zero(t, sum.Accounts.Inserted+sum.Accounts.Updated+sum.Signals.Inserted+sum.Signals.Updated, "nothing changes")
	require.Equal(t, int64(3), sum.Read, "one company, one ticket, one deal at the watermarks")

	// An edit in HubSpot moves the company past the watermark.
	f.mu.Lock()
	f.objects["companies"][1].modified += 60_000
	f.objects["companies"][1].props["industry"] = "Wholesale"
	f.mu.Unlock()
	sum, err = w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.Equal(t, int64(1), sum.Accounts.Updated)
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM account WHERE segment = 'Wholesale'`))
}

func TestHubSpotSyncFailingHalfWayResumes(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/crm/v3/objects/tickets/search" {
			return false
		}
		hubspotError(w, http.StatusBadGateway, "", "upstream timed out")
		return true
	}

	_, err := w.run(t, hubspotSource(w, apiURL), false)
	require.EqualError(t, err, "sync hubspot: HubSpot answered 502 on crm/v3/objects/tickets/search: upstream timed out")
	require.Equal(t, 5, w.count(t, `SELECT count(*) FROM account`), "the company pages before the failure are kept")
	require.Zero(t, w.count(t, `SELECT count(*) FROM signal`))
	require.Contains(t, w.state(t, "hubspot").Cursor, `"phase":"tickets"`)

	f.mu.Lock()
	f.fail = nil
	f.mu.Unlock()
	companySearches := f.callsTo("POST /crm/v3/objects/companies/search")
	sum, err := w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.Equal(t, companySearches, f.callsTo("POST /crm/v3/objects/companies/search"), "resumes at the tickets")
	require.Equal(t, int64(5), sum.Signals.Inserted)

	sum, err = w.run(t, hubspotSource(w, apiURL), true)
	require.NoError(t, err)
	// Past the search cap (4 here) the search restarts from the latest
	// modification read, so the fourth company is read twice.
	require.Equal(t, int64(6), sum.Accounts.Unchanged)
	require.Zero(t, sum.Accounts.Inserted+sum.Accounts.Updated)
	require.Equal(t, int64(5), sum.Signals.Unchanged, "a full rerun is idempotent")
}

func TestHubSpotSyncRateLimitAndBadToken(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)
	limited := false
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if limited || r.URL.Path != "/crm/v3/objects/deals/search" {
			return false
		}
		limited = true
		w.Header().Set("Retry-After", "2")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","correlationId":"c0ffee","policyName":"SECONDLY"}`))
		return true
	}
	start := w.clock.Now()
	sum, err := w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.True(t, limited)
	require.GreaterOrEqual(t, w.clock.Since(start), 2*time.Second, "Retry-After waited out")
	require.Equal(t, int64(5), sum.Signals.Inserted)

	bad := NewHubSpotSource(HubSpotConfig{Token: "pat-wrong", APIURL: apiURL, Clock: w.clock})
	_, err = w.run(t, bad, true)
	require.EqualError(t, err, "sync hubspot: HubSpot rejected HUBSPOT_TOKEN (401): set a private app access token")

	_, err = w.run(t, NewHubSpotSource(HubSpotConfig{Token: hubspotTestToken, APIURL: "http://127.0.0.1:1/", Clock: w.clock}), true)
	require.ErrorContains(t, err, "sync hubspot: cannot reach HubSpot")
}

// TestHubSpotSyncMalformed: an answer that is not HubSpot's JSON fails the
// run in one line naming the source and the endpoint, writing nothing; a
// company whose mapped property is not of its field's type is skipped and
// counted, the others written.
func TestHubSpotSyncMalformed(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)
	f.fail = func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/crm/v3/objects/companies/search" {
			return false
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html>maintenance</html>"))
		return true
	}
	_, err := w.run(t, hubspotSource(w, apiURL), false)
	require.EqualError(t, err, "sync hubspot: HubSpot's answer on crm/v3/objects/companies/search is not the JSON expected: invalid character '<' looking for beginning of value")
	require.Zero(t, w.count(t, `SELECT count(*) FROM account`))

	f.mu.Lock()
	f.fail = nil
	f.objects["companies"][0].props["contract_end_date"] = "next spring"
	f.mu.Unlock()
	sum, err := w.run(t, hubspotSource(w, apiURL), false)
	require.NoError(t, err)
	require.Equal(t, int64(4), sum.Accounts.Inserted)
	require.Equal(t, 1, sum.Skipped["companies with a bad renewal_date (property contract_end_date)"])
	require.Contains(t, sum.String(), "1 companies with a bad renewal_date (property contract_end_date)")
}

// TestHubSpotSyncRecordsRenewals: a closed-won deal that is not new
// business is a renewal outcome of its account, once per deal, and moves
// the account's renewal date to the deal's contract end (marking it seen,
// so the outcome job does not count the move again).
func TestHubSpotSyncRecordsRenewals(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)
	// An old renewal of Globex, read on the first sync, with no contract end.
	f.add("deals", "304", time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC).UnixMilli(),
		map[string]string{"dealstage": "closedwon", "hs_is_closed_won": "true", "amount": "3000", "closedate": "2023-05-01"})
	f.assoc["304"] = "102"
	// Acme's renewal date, as a CSV import set it and the outcome job saw it.
	ctx := context.Background()
	w.takeSource(t, "hubspot")
	_, err := w.st.DB().Exec(ctx, `WITH a AS (INSERT INTO account (external_id, name, renewal_date) VALUES ('acme.io', 'Acme', '2025-12-01') RETURNING id)
		INSERT INTO renewal_seen (account_id, renewal_date, seen_at) SELECT id, '2025-12-01', now() FROM a`)
	require.NoError(t, err)
	src := func() *HubSpotSource {
		return NewHubSpotSource(HubSpotConfig{Token: hubspotTestToken, APIURL: apiURL, PageSize: 2, SearchCap: 4, Clock: w.clock,
			Map: map[string]string{"segment": "industry", HubSpotDealRenewalField: "contract_end"}})
	}

	sum, err := w.run(t, src(), false)
	require.NoError(t, err)
	require.Equal(t, store.RenewalSummary{Read: 2, Recorded: 2, Moved: 1}, sum.Renewals, "deal 303 is new business, 302 was lost")
	require.Contains(t, sum.String(), "; renewals 2 recorded, 0 unchanged, 1 renewal dates moved;")

	type outcome struct{ Account, On, Next, Detected, Ref string }
	outcomes := func() []outcome {
		rows, err := w.st.DB().Query(ctx, `SELECT a.external_id, o.occurred_on::text, coalesce(o.next_renewal::text, ''),
			o.detected_at::date::text, o.source_ref FROM outcome o JOIN account a ON a.id = o.account_id WHERE o.kind = 'renewal' ORDER BY 1`)
		require.NoError(t, err)
		var out []outcome
		for rows.Next() {
			var o outcome
			require.NoError(t, rows.Scan(&o.Account, &o.On, &o.Next, &o.Detected, &o.Ref))
			out = append(out, o)
		}
		require.NoError(t, rows.Err())
		return out
	}
	want := []outcome{
		{"acme.io", "2025-12-01", "2026-12-01", "2025-10-01", "hubspot-deal:301"}, // renewed the date it had
		{"globex.com", "2023-05-01", "", "2023-05-01", "hubspot-deal:304"},        // too old for any date: its close
	}
	require.Equal(t, want, outcomes())
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM account WHERE external_id = 'acme.io' AND renewal_date = '2026-12-01'`))
	changes, err := w.st.RenewalDateChanges(ctx)
	require.NoError(t, err)
	require.Empty(t, changes, "the moved date is marked seen: the outcome job finds no second renewal")

	sum, err = w.run(t, src(), true)
	require.NoError(t, err)
	require.Equal(t, store.RenewalSummary{Read: 2, Unchanged: 2}, sum.Renewals, "a full rerun records nothing twice")
	require.Zero(t, sum.Accounts.Inserted+sum.Accounts.Updated+sum.Signals.Inserted+sum.Signals.Updated)
	require.Equal(t, want, outcomes())
}

// TestHubSpotRenewalTheOutcomeJobFoundFirst: when the daily outcome job
// already recorded the renewal (the date moved by a CSV), the deal keys
// that outcome instead of recording a second.
func TestHubSpotRenewalTheOutcomeJobFoundFirst(t *testing.T) {
	t.Parallel()
	w, _, apiURL := setupHubSpot(t)
	ctx := context.Background()
	w.takeSource(t, "hubspot")
	_, err := w.st.DB().Exec(ctx, `WITH a AS (INSERT INTO account (external_id, name, renewal_date) VALUES ('acme.io', 'Acme', '2026-12-01') RETURNING id),
		s AS (INSERT INTO renewal_seen (account_id, renewal_date, seen_at) SELECT id, '2025-12-01', now() FROM a)
		INSERT INTO outcome (account_id, kind, occurred_on, next_renewal, detected_at) SELECT id, 'renewal', '2025-12-01', '2026-12-01', now() FROM a`)
	require.NoError(t, err)
	src := NewHubSpotSource(HubSpotConfig{Token: hubspotTestToken, APIURL: apiURL, Clock: w.clock, Map: map[string]string{HubSpotDealRenewalField: "contract_end"}})
	sum, err := w.run(t, src, false)
	require.NoError(t, err)
	require.Equal(t, store.RenewalSummary{Read: 1, Unchanged: 1}, sum.Renewals)
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM outcome WHERE source_ref = 'hubspot-deal:301' AND occurred_on = '2025-12-01'`))
	require.Equal(t, 1, w.count(t, `SELECT count(*) FROM outcome`))
}

func TestRenewedDate(t *testing.T) {
	t.Parallel()
	d := func(s string) time.Time {
		if s == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct{ name, closed, seen, current, next, want string }{
		{"the seen date it renewed", "2025-10-01", "2025-12-01", "2026-12-01", "2026-12-01", "2025-12-01"},
		{"the account's date when never seen", "2025-10-01", "", "2025-12-01", "", "2025-12-01"},
		{"closed after the date lapsed", "2026-02-01", "", "2025-12-01", "2026-12-01", "2025-12-01"},
		{"too long after the date", "2026-04-01", "", "2025-12-01", "", "2026-04-01"},
		{"more than a year before it", "2024-10-01", "", "2025-12-01", "", "2024-10-01"},
		{"a date not before the next end", "2025-10-01", "", "2026-12-01", "2026-12-01", "2025-10-01"},
		{"no date", "2025-10-01", "", "", "", "2025-10-01"},
	} {
		got := store.RenewedDate(d(c.closed), d(c.seen), d(c.current), d(c.next))
		require.Equal(t, d(c.want), got, c.name)
	}
}

// TestHubSpotSyncPacesAheadOf429s: the fake allows 10 requests per 10 s
// (saying so in its headers) and 5 searches a second; a sync of about 30
// requests keeps under both, never meeting a 429.
func TestHubSpotSyncPacesAheadOf429s(t *testing.T) {
	t.Parallel()
	w, f, apiURL := setupHubSpot(t)
	f.limits = &fakeLimits{clock: w.clock, max: 10, interval: 10 * time.Second, searchMax: 5}
	start := w.clock.Now()
	src := NewHubSpotSource(HubSpotConfig{Token: hubspotTestToken, APIURL: apiURL, PageSize: 1, Clock: w.clock})
	sum, err := w.run(t, src, false)
	require.NoError(t, err)
	require.Equal(t, int64(5), sum.Accounts.Inserted)
	f.mu.Lock()
	defer f.mu.Unlock()
	require.Zero(t, f.limits.rejected, "paced ahead of the limits")
	require.Greater(t, f.limits.accepted, 20)
	require.GreaterOrEqual(t, w.clock.Since(start), time.Duration(f.limits.accepted/10-1)*10*time.Second, "10 requests per 10 s at most")
}

// TestHubSpotPacer: the search window holds the sixth search of a second;
// Remaining: 0 in HubSpot's headers holds the next request a whole interval.
func TestHubSpotPacer(t *testing.T) {
	t.Parallel()
	clock := clockwork.NewFakeClock()
	ctx := context.Background()
	p := newHubSpotPacer(clock)
	waited := func(search bool) time.Duration {
		start := clock.Now()
		done := make(chan error, 1)
		go func() { done <- p.wait(ctx, search) }()
		for {
			select {
			case err := <-done:
				require.NoError(t, err)
				return clock.Since(start)
			default:
			}
			bctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
			if clock.BlockUntilContext(bctx, 1) == nil {
				clock.Advance(100 * time.Millisecond)
			}
			cancel()
		}
	}
	for range 5 {
		require.Zero(t, waited(true))
	}
	require.Equal(t, time.Second, waited(true), "the sixth search waits out the second")
	require.Zero(t, waited(false), "other requests are not held by the search limit")

	p.observe(http.Header{"X-Hubspot-Ratelimit-Interval-Milliseconds": {"10000"}, "X-Hubspot-Ratelimit-Max": {"190"},
		"X-Hubspot-Ratelimit-Remaining": {"0"}})
	require.Equal(t, 190, p.general.max)
	require.Equal(t, 10*time.Second, waited(false), "none remain: wait the interval")
}

func TestParseHubSpotMap(t *testing.T) {
	t.Parallel()
	m, err := ParseHubSpotMap(" segment=industry, renewal_date=contract_end_date,tier=hs_tier ")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"segment": "industry", "renewal_date": "contract_end_date", "tier": "hs_tier"}, m)
	_, err = ParseHubSpotMap("segment")
	require.ErrorContains(t, err, `"segment" is not field=hubspot_property`)
	_, err = ParseHubSpotMap("name=company_name")
	require.ErrorContains(t, err, "name comes from the company itself")
	m, err = ParseHubSpotMap("deal.renewal_date=contract_end")
	require.NoError(t, err)
	require.Equal(t, map[string]string{HubSpotDealRenewalField: "contract_end"}, m)
	_, err = ParseHubSpotMap("deal.amount=amount")
	require.ErrorContains(t, err, "deal.amount: the only deal field is deal.renewal_date")
	_, err = ParseHubSpotMap("renewal_date=contract_end_date,deal.renewal_date=contract_end")
	require.ErrorContains(t, err, "not both")
}
