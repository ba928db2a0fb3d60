package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
)

func sig(account, metric, at string, value any) map[string]any {
	return map[string]any{"account": account, "metric": metric, "observed_at": at, "value": value}
}

func TestAuthRejectsMissingWrongAndRevokedKeys(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	body := map[string]any{"signals": []any{sig("acme", "nps", "2026-03-01", 40)}}

	cases := []struct {
		name, header, want string
	}{
		{"missing", "", "an API key is required"},
		{"wrong bearer", "Bearer hb_nope", "not valid"},
		{"wrong basic", basic("hb_nope"), "not valid"},
		{"not a scheme we know", "Token " + b.key, "an API key is required"},
	}
	for _, c := range cases {
		r := b.post("/v1/signals", body, "Authorization", c.header)
		require.Equal(t, http.StatusUnauthorized, r.Status, c.name)
		require.Contains(t, r.Body["error"].(map[string]any)["message"], c.want, c.name)
		require.NotEmpty(t, r.Header.Get("WWW-Authenticate"), c.name)
	}
	require.Zero(t, b.count("SELECT count(*) FROM signal"))
	require.Equal(t, float64(len(cases)), b.items("signals", "rejected", "unauthorized"))

	require.Equal(t, http.StatusOK, b.post("/v1/signals", body).Status)
	require.NoError(t, b.store.RevokeAPIKey(context.Background(), "test", fixedNow))
	r := b.post("/v1/signals", body)
	require.Equal(t, http.StatusUnauthorized, r.Status)
	require.Equal(t, "the API key is not valid", r.Body["error"].(map[string]any)["message"],
		"a revoked key gets the answer of an unknown one: no probing which keys existed")
}

func TestAuthRecordsLastUseAtMostOnceAMinute(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	ctx := context.Background()
	k, err := b.store.APIKeyByKey(ctx, b.key)
	require.NoError(t, err)
	require.True(t, k.LastUsedAt.IsZero())

	body := map[string]any{"signals": []any{sig("acme", "nps", "2026-03-01", 40)}}
	require.Equal(t, http.StatusOK, b.post("/v1/signals", body).Status)
	k, err = b.store.APIKeyByKey(ctx, b.key)
	require.NoError(t, err)
	require.True(t, fixedNow.Equal(k.LastUsedAt), "last use recorded: %v", k.LastUsedAt)

	// A later use within the minute is not written again (the clock is fixed, so
	// a second write would not show; the database guard is what is checked here).
	require.NoError(t, b.store.TouchAPIKey(ctx, k.ID, fixedNow.Add(30*time.Second)))
	k, err = b.store.APIKeyByKey(ctx, b.key)
	require.NoError(t, err)
	require.True(t, fixedNow.Equal(k.LastUsedAt))
	require.NoError(t, b.store.TouchAPIKey(ctx, k.ID, fixedNow.Add(2*time.Minute)))
	k, err = b.store.APIKeyByKey(ctx, b.key)
	require.NoError(t, err)
	require.True(t, fixedNow.Add(2*time.Minute).Equal(k.LastUsedAt))
}

func TestSignalsAreIdempotentByKey(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	keyed := sig("acme", "tickets", "2026-03-01T10:00:00Z", 3)
	keyed["key"] = "zendesk-123" // deprecated: accepted, not stored
	body := map[string]any{"signals": []any{sig("acme", "nps", "2026-03-01T10:00:00Z", 40), keyed}}

	r := b.post("/v1/signals", body)
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, map[string]any{"accepted": 2.0, "written": 2.0, "unchanged": 0.0}, r.Body)
	r = b.post("/v1/signals", body)
	require.Equal(t, map[string]any{"accepted": 2.0, "written": 0.0, "unchanged": 2.0}, r.Body)
	require.Equal(t, 2, b.count("SELECT count(*) FROM signal"))

	// The key is account, metric, time and source, as CSV imports store it.
	require.Equal(t, 1, b.count(`SELECT count(*) FROM signal s JOIN account a ON a.id = s.account_id
		WHERE a.external_id = 'acme' AND s.metric = 'nps' AND s.observed_at = '2026-03-01T10:00:00Z' AND s.source = 'api' AND s.value = 40`))

	keyed["value"] = 5 // a correction of the same observation replaces the value
	r = b.post("/v1/signals", map[string]any{"signals": []any{keyed}})
	require.Equal(t, 1.0, r.Body["written"])
	require.Equal(t, 1, b.count("SELECT count(*) FROM signal WHERE metric = 'tickets' AND value = 5"))
	require.Equal(t, 2, b.count("SELECT count(*) FROM signal"))

	// The same observation twice in one batch: the later item wins.
	twice := map[string]any{"signals": []any{sig("acme", "nps", "2026-03-01T10:00:00Z", 41), sig("acme", "nps", "2026-03-01T10:00:00Z", 42)}}
	r = b.post("/v1/signals", twice)
	require.Equal(t, map[string]any{"accepted": 2.0, "written": 1.0, "unchanged": 0.0}, r.Body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM signal WHERE metric = 'nps' AND value = 42"))
	require.Equal(t, 7.0, b.items("signals", "accepted", "stored"))
}

func TestBadSignalBatchWritesNothingAndNamesEveryBadItem(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	body := map[string]any{"signals": []any{
		sig("acme", "nps", "2026-03-01", 40),                                                       // 0: fine
		sig("globex", "nps", "2026-03-01", 40),                                                     // 1: unknown account
		sig("acme", "nps", "yesterday", 40),                                                        // 2: bad time
		map[string]any{"account": "acme", "metric": "nps", "observed_at": "2026-03-01"},            // 3: no value
		sig("acme", "", "2026-03-01", "forty"),                                                     // 4: value not a number
		map[string]any{"account": "acme", "metric": "nps", "observedAt": "2026-03-01", "value": 1}, // 5: typo
		sig("acme", "nps", "2026-03-01", 41),                                                       // 6: fine
		sig("", "nps", "1850-01-01", 1),                                                            // 7: two problems
		"not an object",                                                                            // 8
	}}
	r := b.post("/v1/signals", body)
	require.Equal(t, http.StatusBadRequest, r.Status)
	e := r.Body["error"].(map[string]any)
	require.Equal(t, "invalid", e["code"])
	require.Equal(t, "7 of 9 items are invalid; nothing was written", e["message"])

	type named struct {
		index int
		field string
		why   string
	}
	var got []named
	for _, it := range r.errorItems() {
		got = append(got, named{int(it["index"].(float64)), str(it["field"]), str(it["why"])})
	}
	want := []named{
		{1, "account", `no account "globex"`},
		{2, "observed_at", `"yesterday" is not an RFC 3339 time`},
		{3, "value", "is required"},
		{4, "value", "must be a number"},
		{5, "observedAt", "is not a known field"},
		{7, "account", "is required"},
		{7, "observed_at", "out of range"},
		{8, "", "must be a JSON object"},
	}
	require.Len(t, got, len(want), "%+v", got)
	for i, w := range want {
		require.Equal(t, w.index, got[i].index, "%+v", got[i])
		require.Equal(t, w.field, got[i].field, "%+v", got[i])
		require.Contains(t, got[i].why, w.why)
	}
	require.Zero(t, b.count("SELECT count(*) FROM signal"))
	require.Equal(t, 1.0, b.items("signals", "rejected", "unknown_account"))
	require.Equal(t, 6.0, b.items("signals", "rejected", "invalid"))
	require.Equal(t, 2.0, b.items("signals", "rejected", "batch_invalid"))
}

// A batch whose only problem is an account that does not exist is refused
// by the writer's staging step (which resolves the accounts) with the same
// answer a lookup first gave: every such item named, nothing written.
func TestSignalBatchNamingUnknownAccountsWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	r := b.post("/v1/signals", map[string]any{"signals": []any{
		sig("acme", "nps", "2026-03-01", 40),
		sig("globex", "nps", "2026-03-01", 40),
		sig("acme", "csat", "2026-03-01", 4),
		sig("globex", "csat", "2026-03-01", 4),
	}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	require.Equal(t, "2 of 4 items are invalid; nothing was written", r.Body["error"].(map[string]any)["message"])
	var got []string
	for _, it := range r.errorItems() {
		got = append(got, fmt.Sprint(it["index"], " ", it["field"], ": ", it["why"]))
	}
	require.Equal(t, []string{
		`1 account: no account "globex"; create it with POST /v1/accounts first`,
		`3 account: no account "globex"; create it with POST /v1/accounts first`,
	}, got)
	require.Zero(t, b.count("SELECT count(*) FROM signal"))
	require.Equal(t, 2.0, b.items("signals", "rejected", "unknown_account"))
}

func TestMalformedBodiesAre400(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	for _, body := range []string{`{`, `[]`, `{"signals": {}}`, `{"signals": []}`, `{"sigs": [{}]}`, `{"signals": [], "extra": 1}`} {
		r := b.post("/v1/signals", []byte(body))
		require.Equal(t, http.StatusBadRequest, r.Status, body)
		require.Equal(t, "malformed", r.Body["error"].(map[string]any)["code"], body)
	}
}

func TestRESTLimitsAre413(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{RESTBody: 2000, RESTItems: 3})
	many := []any{}
	for range 4 {
		many = append(many, sig("acme", "nps", "2026-03-01", 1))
	}
	r := b.post("/v1/signals", map[string]any{"signals": many})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	require.Contains(t, r.Body["error"].(map[string]any)["message"], "at most 3")

	big := sig("acme", strings.Repeat("m", 3000), "2026-03-01", 1)
	r = b.post("/v1/signals", map[string]any{"signals": []any{big}})
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status)
	r = b.post("/v1/signals", gzipped(t, map[string]any{"signals": []any{big}}), "Content-Encoding", "gzip")
	require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, "the limit applies after gunzip")
	require.Zero(t, b.count("SELECT count(*) FROM signal"))
}

func TestAccountsUpsertPatchesAndCreatesOwners(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	ctx := context.Background()
	r := b.post("/v1/accounts", map[string]any{"accounts": []any{
		map[string]any{"external_id": "globex", "name": "Globex", "segment": "Enterprise", "seats": 40, "mrr": 1200.5,
			"renewal_date": "2026-09-30", "owner_email": "Dana@Example.com", "attributes": map[string]any{"region": "EMEA", "tier": 1}},
		map[string]any{"external_id": "acme", "seats": 25, "attributes": map[string]any{"region": "US"}},
	}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, map[string]any{"accepted": 2.0, "created": 1.0, "updated": 1.0}, r.Body)

	g, err := b.store.AccountByExternalID(ctx, "globex")
	require.NoError(t, err)
	require.Equal(t, "Enterprise", g.Segment)
	require.Equal(t, 40, g.Seats)
	require.Equal(t, 1200.5, g.MRR)
	require.Equal(t, "2026-09-30", g.RenewalDate.Format(time.DateOnly))
	require.NotZero(t, g.OwnerID)
	acme, err := b.store.AccountByExternalID(ctx, "acme")
	require.NoError(t, err)
	require.Equal(t, "Acme", acme.Name, "absent fields keep their value")
	require.Equal(t, 25, acme.Seats)

	r = b.post("/v1/accounts", map[string]any{"accounts": []any{
		map[string]any{"external_id": "globex", "renewal_date": nil, "owner_email": nil, "attributes": map[string]any{"tier": nil}},
	}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	g, err = b.store.AccountByExternalID(ctx, "globex")
	require.NoError(t, err)
	require.True(t, g.RenewalDate.IsZero(), "null clears")
	require.Zero(t, g.OwnerID)
	require.Equal(t, map[string]any{"region": "EMEA"}, g.Attributes, "attributes merge; null deletes a key")
}

func TestBadAccountBatchWritesNothing(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	r := b.post("/v1/accounts", map[string]any{"accounts": []any{
		map[string]any{"external_id": "acme", "seats": 99},
		map[string]any{"external_id": "initech", "segment": "SMB"},
		map[string]any{"name": "No id", "seats": -1, "renewal_date": "soon", "colour": "red"},
	}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	fields := map[string]int{}
	for _, it := range r.errorItems() {
		fields[str(it["field"])] = int(it["index"].(float64))
	}
	require.Equal(t, map[string]int{"name": 1, "external_id": 2, "seats": 2, "renewal_date": 2, "colour": 2}, fields)
	acme, err := b.store.AccountByExternalID(context.Background(), "acme")
	require.NoError(t, err)
	require.Equal(t, 10, acme.Seats, "the valid item was not written either")
	require.Equal(t, 1, b.count("SELECT count(*) FROM account"))
}

func TestPulsesFromOtherTools(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	_, err := b.store.EnsureCSM(context.Background(), "dana@example.com", "U1", "Dana")
	require.NoError(t, err)
	r := b.post("/v1/pulses", map[string]any{"pulses": []any{
		map[string]any{"account": "acme", "csm_email": "DANA@example.com", "rating": "Poor", "reasons": []string{"champion left"},
			"note": "sponsor moved on", "answered_at": "2026-02-25T09:00:00Z"},
		map[string]any{"account": "acme", "csm_slack_id": "U1", "rating": "healthy", "week": "2026-W10"},
	}})
	require.Equal(t, http.StatusOK, r.Status, r.Body)
	require.Equal(t, 1, b.count("SELECT count(*) FROM pulse WHERE week = '2026-W09' AND rating = 'poor' AND note = 'sponsor moved on' AND source = 'api'"))
	require.Equal(t, 1, b.count("SELECT count(*) FROM pulse WHERE week = '2026-W10' AND rating = 'healthy'"))

	r = b.post("/v1/pulses", map[string]any{"pulses": []any{
		map[string]any{"account": "acme", "csm_email": "zed@example.com", "rating": "healthy", "week": "2026-W10"},
		map[string]any{"account": "nope", "rating": "meh"},
		map[string]any{"account": "acme", "rating": "poor", "week": "2026-W60"},
	}})
	require.Equal(t, http.StatusBadRequest, r.Status)
	var whys []string
	for _, it := range r.errorItems() {
		whys = append(whys, str(it["field"])+": "+str(it["why"]))
	}
	require.Equal(t, []string{
		`csm_email: no CSM with email "zed@example.com"`,
		`rating: must be healthy, concerning or poor (got "meh")`,
		`week: week or answered_at is required`,
		`account: no account "nope"`,
		`week: "2026-W60" is not an ISO week like 2026-W09`,
	}, whys)
	require.Equal(t, 2, b.count("SELECT count(*) FROM pulse"))
}

func TestRequestIDIsEchoedAndLogged(t *testing.T) {
	t.Parallel()
	b := setup(t, ingest.Limits{})
	body := map[string]any{"signals": []any{sig("acme", "nps", "2026-03-01", 40)}}
	r := b.post("/v1/signals", body, "X-Request-Id", "req-42")
	require.Equal(t, "req-42", r.Header.Get("X-Request-Id"))
	require.Contains(t, b.logs.String(), "request_id=req-42")
	r = b.post("/v1/signals", body, "X-Request-Id", "bad id\twith spaces")
	require.Regexp(t, `^[0-9a-f]{24}$`, r.Header.Get("X-Request-Id"))
}
