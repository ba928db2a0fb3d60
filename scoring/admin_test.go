package scoring_test

import (
	"testing"

	"github.com/healthbot/healthbot/scoring"
)

// The admin rule as intake has applied it since the start: a role of
// admin, owner or administrator, or a truthy is_admin/isAdmin/admin flag,
// whatever the case of the value (keys are exact).
func TestIsAdmin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		traits map[string]any
		want   bool
	}{
		{nil, false},
		{map[string]any{"role": "Owner"}, true},
		{map[string]any{"role": "ADMINISTRATOR"}, true},
		{map[string]any{"role": "member"}, false},
		{map[string]any{"is_admin": true}, true},
		{map[string]any{"is_admin": false}, false},
		{map[string]any{"isAdmin": "Yes"}, true},
		{map[string]any{"admin": float64(1)}, true},
		{map[string]any{"admin": float64(2)}, false},
		{map[string]any{"Admin": "true"}, false},
		{map[string]any{"role": map[string]any{"name": "admin"}}, false},
		{map[string]any{"is_admin": []any{"true"}}, false},
		{map[string]any{"role": nil, "admin": "1"}, true},
	} {
		if got := scoring.IsAdmin(c.traits); got != c.want {
			t.Errorf("IsAdmin(%v) = %v, want %v", c.traits, got, c.want)
		}
	}
}
