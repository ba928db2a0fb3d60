package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
)

// Hostile values on every intake path of a running healthbot — REST,
// Segment, the CSV import and a Slack command — each get a 4xx (or the
// import's line and column) naming the item, never a 500; no row of
// accounts, signals, pulses, events, users or CSMs changes; and the next
// scoring run still scores every account, one of which holds values that
// overflow a sum (stored before intake refused them).
func TestHostileValuesOnEveryIntakePathLeaveScoringWhole(t *testing.T) {
	t.Parallel()
	p := seedScoringPortfolio(t, portfolioSpec{accounts: 10, days: 40})
	m, _, hooks := setupSlackMain(t, func(c *Config) { c.DatabaseURL = p.url; c.SlackSigningSecret = mainSecret })
	base := "http://" + m.Addr()
	code, out, errOut := runCLI(t, m, "apikey", "create", "hostile")
	require.Equal(t, 0, code, errOut)
	key := strings.TrimSpace(out)
	// Dana (U1, the fake Slack's command user) owns acct-00, so her
	// /health pulse reaches the note check.
	status, body := postBody(t, base+"/v1/accounts", key, map[string]any{"accounts": []any{
		map[string]any{"external_id": "acct-00", "owner_email": "dana@example.com", "owner_slack_id": "U1"}}})
	require.Equal(t, http.StatusOK, status, body)

	counts := func() string {
		var parts []string
		for _, table := range []string{"account", "signal", "pulse", "event", "account_user", "product_user", "csm"} {
			var n int
			require.NoError(t, p.pool.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n))
			parts = append(parts, fmt.Sprintf("%s=%d", table, n))
		}
		return strings.Join(parts, " ")
	}
	before := counts()

	nul, huge := "a\x00b", strings.Repeat("x", 30_000)
	account := func(field string, v any) map[string]any {
		item := map[string]any{"external_id": "acct-01", "name": "Account 01"}
		item[field] = v
		return map[string]any{"accounts": []any{item}}
	}
	signal := func(field string, v any) map[string]any {
		item := map[string]any{"account": "acct-01", "metric": "active_user_ratio", "observed_at": "2026-03-30", "value": 0.5}
		item[field] = v
		return map[string]any{"signals": []any{item}}
	}
	pulse := func(field string, v any) map[string]any {
		item := map[string]any{"account": "acct-00", "csm_email": "dana@example.com", "rating": "poor", "week": "2026-W13"}
		item[field] = v
		return map[string]any{"pulses": []any{item}}
	}
	good := map[string]any{"type": "track", "userId": "u1", "event": "Report Built", "messageId": "good-1"}
	batch := func(field string, v any) map[string]any {
		ev := map[string]any{"type": "group", "userId": "u1", "groupId": "acct-01", "messageId": "g1", "traits": map[string]any{"name": "Acme"}}
		ev[field] = v
		return map[string]any{"batch": []any{good, ev}}
	}
	for _, h := range []struct {
		path, field string
		body        map[string]any
	}{
		{"/v1/accounts", "external_id", account("external_id", nul)},
		{"/v1/accounts", "name", account("name", huge)},
		{"/v1/accounts", "mrr", account("mrr", 1.7e308)},
		{"/v1/accounts", "renewal_date", account("renewal_date", "0000-01-01")},
		{"/v1/accounts", "attributes", account("attributes", map[string]any{nul: "v"})},
		{"/v1/signals", "account", signal("account", nul)},
		{"/v1/signals", "metric", signal("metric", huge)},
		{"/v1/signals", "observed_at", signal("observed_at", "9999-12-31")},
		{"/v1/signals", "value", signal("value", 1.7e308)},
		{"/v1/signals", "value", signal("value", 85)}, // a ratio sent as a percentage
		{"/v1/pulses", "note", pulse("note", huge)},
		{"/v1/pulses", "week", pulse("week", "9999-W52")},
		{"/v1/batch", "name", batch("name", huge)},
		{"/v1/batch", "userId", batch("userId", nul)},
		{"/v1/batch", "groupId", batch("groupId", huge)},
	} {
		status, body := postBody(t, base+h.path, key, h.body)
		what := fmt.Sprintf("%s %s", h.path, h.field)
		require.Equal(t, http.StatusBadRequest, status, "%s: %s", what, body)
		require.Contains(t, body, `"field":"`+h.field+`"`, "%s: the error names the field", what)
		require.Equal(t, before, counts(), "%s: nothing written", what)
	}

	// The CSV import: every bad cell by line and column, nothing written.
	csv := "account,metric,observed_at,value\n" +
		"acct-01,active_user_ratio,2026-03-30,0.5\n" +
		"a\x00b,active_user_ratio,2026-03-30,0.5\n" +
		"acct-01,active_user_ratio,0000-01-01,0.5\n" +
		"acct-01,logins,2026-03-30,-1e308\n" +
		"acct-01,nps,2026-03-30,150\n"
	var cout, cerr stringsBuilder
	code = run(context.Background(), []string{"import", "signals", "-"}, ioStreams{in: strings.NewReader(csv), out: &cout, err: &cerr},
		envOf(map[string]string{"DATABASE_URL": p.url}))
	require.Equal(t, 1, code, cerr.String())
	for _, want := range []string{`line 3, column "account": contains a NUL character`, `line 4, column "observed_at"`,
		`line 5, column "value"`, `line 6, column "value": "150" must be between -100 and 100 for an NPS (nps)`} {
		require.Contains(t, cerr.String(), want)
	}
	require.Equal(t, before, counts(), "CSV: nothing written")

	// A Slack command: a pulse note over the cap and one with a NUL.
	for name, c := range map[string]struct{ note, why string }{
		"long": {strings.Repeat("x", 100_000), "the note is longer than 3000 characters"},
		"nul":  {nul, "contains a NUL character"},
	} {
		status, body := postSigned(t, base+"/slack/commands", bottest.CommandBody(bottest.Command("pulse acct-00 poor "+c.note, hooks.URL(name))))
		require.Equal(t, http.StatusOK, status, body)
		require.Contains(t, hooks.WaitFor(t, name).Message.Text, c.why, name)
	}
	require.Equal(t, before, counts(), "Slack: nothing written")

	// Values that overflow a sum, stored for acct-03 before intake refused
	// them: that account degrades, the run still scores every account.
	_, err := p.pool.Exec(context.Background(), `INSERT INTO signal (account_id, metric, observed_at, value, source, idempotency_key)
		VALUES ($1, 'seats_used', '2026-03-30', 1.7e308, 'old', 'old-1'), ($1, 'seats_used', '2026-03-31', 1.7e308, 'old', 'old-2')`, p.ids[3])
	require.NoError(t, err)
	code, _, errOut = p.run(t, nil, "score", "--as-of", p.asOf.Format("2006-01-02"))
	require.Equal(t, 0, code, errOut)
	var scored int
	require.NoError(t, p.pool.QueryRow(context.Background(), "SELECT count(DISTINCT account_id) FROM score WHERE as_of = $1", p.asOf).Scan(&scored))
	require.Equal(t, len(p.ids), scored, "every account scored")
}

// postBody posts v as JSON with a bearer key and returns the status and body.
func postBody(t *testing.T, url, key string, v any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return postBytes(t, url, key, raw)
}

// postBytes posts a JSON body with a bearer key.
func postBytes(t *testing.T, url, key string, body []byte) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(out)
}
