package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestParseConfigAccess(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Empty(t, cfg.AllowedGroups, "without it every full member is allowed")
	require.Equal(t, 90*24*time.Hour, cfg.AuditRetention)

	cfg, err = ParseConfig(envOf(map[string]string{
		"HEALTHBOT_ALLOWED_GROUPS": "@cs-team, S0123ABC", "HEALTHBOT_MANAGERS": "@cs-leads", "HEALTHBOT_AUDIT_RETENTION": "30d",
	}))
	require.NoError(t, err)
	require.Equal(t, []string{"cs-team", "S0123ABC"}, cfg.AllowedGroups)
	require.Equal(t, "cs-leads", cfg.Managers)
	require.Equal(t, 30*24*time.Hour, cfg.AuditRetention)

	cfg, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_MANAGERS": "U012AB3CD, W045EF6GH"}))
	require.NoError(t, err)
	require.Equal(t, []string{"U012AB3CD", "W045EF6GH"}, cfg.ManagerIDs, "managers by Slack user id")
	require.Empty(t, cfg.Managers)

	_, err = ParseConfig(envOf(map[string]string{
		"HEALTHBOT_ALLOWED_GROUPS": "cs team", "HEALTHBOT_MANAGERS": "a,b", "HEALTHBOT_AUDIT_RETENTION": "forever",
	}))
	require.ErrorContains(t, err, `HEALTHBOT_ALLOWED_GROUPS has "cs team", not a Slack user-group handle`)
	require.ErrorContains(t, err, "HEALTHBOT_MANAGERS names 2 groups; want one")
	require.ErrorContains(t, err, `HEALTHBOT_AUDIT_RETENTION is "forever"`)
}

// sharedChannels is a fake Slack where CCONNECT is shared with another
// organisation and UGUEST is a guest.
func sharedChannels(c bottest.Call) *bottest.Reply {
	switch {
	case c.Method == "conversations.info" && c.Param("channel") == "CCONNECT":
		return &bottest.Reply{Body: map[string]any{"ok": true, "channel": map[string]any{
			"id": "CCONNECT", "is_channel": true, "is_shared": true, "is_ext_shared": true}}}
	case c.Method == "users.info" && c.Param("user") == "UGUEST":
		return &bottest.Reply{Body: map[string]any{"ok": true, "user": map[string]any{"id": "UGUEST", "team_id": "T1", "is_restricted": true}}}
	}
	return nil
}

func TestServeRefusesAnExternallySharedAlertChannel(t *testing.T) {
	t.Parallel()
	fake := bottest.NewSlack(t, sharedChannels)
	for _, tc := range []struct{ variable, alert, digest string }{
		{"HEALTHBOT_ALERT_CHANNEL", "CCONNECT", "CINTERNAL"},
		{"HEALTHBOT_DIGEST_CHANNEL", "CINTERNAL", "CCONNECT"},
	} {
		cfg, err := ParseConfig(envOf(map[string]string{
			"DATABASE_URL": storetest.SchemaURL(t), "HEALTHBOT_HTTP_ADDR": "127.0.0.1:0",
			"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": mainSecret, "SLACK_API_URL": fake.APIURL(),
			"HEALTHBOT_ALERT_CHANNEL": tc.alert, "HEALTHBOT_DIGEST_CHANNEL": tc.digest,
		}))
		require.NoError(t, err)
		m := NewMain(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		err = m.Run(context.Background())
		require.NoError(t, m.Close())
		require.ErrorContains(t, err, tc.variable+" CCONNECT is shared with another organisation (Slack Connect)")
		require.NotContains(t, err.Error(), "CINTERNAL")
	}
	// Internal channels start.
	setupSlackMain(t, func(c *Config) { c.AlertChannel, c.DigestChannel = "CALERTS", "CDIGEST" })
}

// TestMainAuditsAccessOverHTTP: through serve's own wiring, a guest's
// /health is refused, counted on /metrics and audited; a member's card is
// audited with its account; `healthbot audit` lists both.
func TestMainAuditsAccessOverHTTP(t *testing.T) {
	t.Parallel()
	fake, hooks := bottest.NewSlack(t, sharedChannels), bottest.NewCatcher(t)
	m := setupMain(t, func(c *Config) {
		c.SlackBotToken, c.SlackAPIURL, c.SlackSigningSecret = "xoxb-main-test", fake.APIURL(), mainSecret
	})
	ctx := context.Background()
	st := store.New(m.pool)
	_, err := st.UpsertAccount(ctx, scoring.Account{ExternalID: "crm-initech", Name: "Initech", Segment: "SMB"})
	require.NoError(t, err)
	url := "http://" + m.Addr() + "/slack/commands"

	guest := bottest.Command("initech", hooks.URL("guest"))
	guest.UserID = "UGUEST"
	code, _ := postSigned(t, url, bottest.CommandBody(guest))
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "Sorry, healthbot is only available to the customer success team.", hooks.WaitFor(t, "guest").Message.Text)

	code, _ = postSigned(t, url, bottest.CommandBody(bottest.Command("initech", hooks.URL("member"))))
	require.Equal(t, http.StatusOK, code)
	require.Contains(t, string(hooks.WaitFor(t, "member").Raw), "Initech")
	idle, cancel := context.WithTimeout(ctx, bottest.Timeout)
	defer cancel()
	require.NoError(t, m.router.Idle(idle))

	_, metrics := get(t, "http://"+m.Addr()+"/metrics")
	require.Contains(t, metrics, `healthbot_access_refusals_total{reason="guest"} 1`)

	code, out, errOut := runCLI(t, m, "audit", "--since", "1d")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 3, out)
	require.Regexp(t, `U1\s+T1\s+command\s+C1\s+allowed\s+Initech`, lines[1])
	require.Regexp(t, `UGUEST\s+T1\s+command\s+C1\s+refused: guest\s+—`, lines[2])

	code, out, errOut = runCLI(t, m, "audit", "--account", "initech", "--user", "U1")
	require.Equal(t, 0, code, errOut)
	require.Len(t, strings.Split(strings.TrimSpace(out), "\n"), 2, out)
	code, _, errOut = runCLI(t, m, "audit", "--since", "yesterday")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, `--since "yesterday"`)

	// Retention: rows older than HEALTHBOT_AUDIT_RETENTION go.
	m.Config.AuditRetention = time.Nanosecond
	require.NoError(t, m.auditRetentionJob().Run(ctx, time.Now()))
	rows, err := st.AccessLog(ctx, store.AccessQuery{})
	require.NoError(t, err)
	require.Empty(t, rows)
}
