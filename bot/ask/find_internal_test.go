package ask

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/ask/asktest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// The question tools find accounts as /health does (health.Lookup), so a typo
// or a domain finds the account in both, where a substring match did not.
func TestFindAccountsIsTheHealthLookup(t *testing.T) {
	t.Parallel()
	st := storetest.Store(t)
	fx := asktest.Seed(t, st)
	ctx := context.Background()
	for q, want := range map[string]struct {
		ext   string
		exact bool
	}{
		"acme":           {"acme", true}, // external id
		"acme.com":       {"acme", true}, // domain
		"Acme Logistics": {"acme", true},
		"acme logistcs":  {"acme", false}, // a typo
		"logistics":      {"acme", false}, // a word of the name
		"glob":           {"globex", false},
		"globex.io":      {"globex", true},
		"Initech":        {"initech", true},
		"nothing at all": {},
		"   ":            {},
	} {
		var got []store.AskMatch
		err := st.ReadOnly(ctx, func(ro *store.Store) error {
			var err error
			got, err = findAccounts(ctx, ro, q, 6)
			return err
		})
		require.NoError(t, err, q)
		if want.ext == "" {
			require.Empty(t, got, q)
			continue
		}
		require.Len(t, got, 1, q)
		require.Equal(t, fx.IDs[want.ext], got[0].ID, q)
		require.Equal(t, want.exact, got[0].Exact, q)
	}
}
