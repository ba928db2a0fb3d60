package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// apikey list --json is the key list for scripts: one object per key, live
// ones first, never the key itself.
func TestAPIKeyListJSON(t *testing.T) {
	t.Parallel()
	m := setupMain(t, nil)
	code, out, errOut := runCLI(t, m, "apikey", "create", "crm-sync")
	require.Equal(t, 0, code, errOut)
	key := strings.TrimSpace(out)
	require.Equal(t, http.StatusOK, postJSON(t, "http://"+m.Addr()+"/v1/accounts", key, `{"accounts": [{"external_id": "acme", "name": "Acme"}]}`))
	code, _, errOut = runCLI(t, m, "apikey", "revoke", "crm-sync")
	require.Equal(t, 0, code, errOut)
	code, _, errOut = runCLI(t, m, "apikey", "create", "--scope", "read", "claude")
	require.Equal(t, 0, code, errOut)

	code, out, errOut = runCLI(t, m, "apikey", "list", "--json")
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, key)
	var keys []struct {
		Name, Scope string
		Live        bool
		CreatedAt   time.Time  `json:"created_at"`
		LastUsedAt  *time.Time `json:"last_used_at"`
		RevokedAt   *time.Time `json:"revoked_at"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &keys), out)
	require.Len(t, keys, 2)
	require.Equal(t, []string{"claude", "crm-sync"}, []string{keys[0].Name, keys[1].Name})
	require.Equal(t, "read", keys[0].Scope)
	require.True(t, keys[0].Live)
	require.False(t, keys[0].CreatedAt.IsZero())
	require.Nil(t, keys[0].LastUsedAt, "never used")
	require.Nil(t, keys[0].RevokedAt)
	require.Equal(t, "write", keys[1].Scope)
	require.False(t, keys[1].Live, "revoked")
	require.NotNil(t, keys[1].LastUsedAt, "its use is recorded")
	require.NotNil(t, keys[1].RevokedAt)

	code, _, errOut = runCLI(t, m, "apikey", "revoke", "claude", "--json")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--json goes with list")
	code, _, errOut = runCLI(t, m, "apikey", "list", "--scope", "read")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--scope goes with create")
}
