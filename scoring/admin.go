package scoring

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// AdminRule says which product users count as admins of their account,
// from the traits Segment identify and group calls send: a role value, or
// a truthy admin flag under one of several keys. Apps spell these every
// way, so values compare case-insensitively.
//
// The store applies the same rule in SQL (set-based, over jsonb) with these
// lists as parameters, so the rule lives here once and a change to it needs
// no migration.
type AdminRule struct {
	RoleKey  string   // the trait naming the user's role
	Roles    []string // role values, lower case, that make an admin
	FlagKeys []string // traits that make an admin when truthy
	Truthy   []string // flag values, lower case, that count as true
}

// AdminTraits is the rule in force: role admin, owner or administrator, or
// is_admin, isAdmin or admin set to true, 1 or yes.
func AdminTraits() AdminRule {
	return AdminRule{
		RoleKey:  "role",
		Roles:    []string{"admin", "owner", "administrator"},
		FlagKeys: []string{"is_admin", "isAdmin", "admin"},
		Truthy:   []string{"true", "1", "yes"},
	}
}

// IsAdmin applies AdminTraits to one user's merged traits.
func IsAdmin(traits map[string]any) bool { return AdminTraits().IsAdmin(traits) }

// IsAdmin reports whether traits make their user an admin under r.
func (r AdminRule) IsAdmin(traits map[string]any) bool {
	if v, ok := traitText(traits[r.RoleKey]); ok && slices.Contains(r.Roles, strings.ToLower(v)) {
		return true
	}
	for _, k := range r.FlagKeys {
		if v, ok := traitText(traits[k]); ok && slices.Contains(r.Truthy, strings.ToLower(v)) {
			return true
		}
	}
	return false
}

// traitText is a trait value as text, the way Postgres' jsonb ->> reads it
// (so the SQL path agrees): a string as itself, a number or boolean as its
// JSON text, an object or array as JSON, and null or absent as no value.
func traitText(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case json.Number:
		return v.String(), true
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	return string(b), true
}
