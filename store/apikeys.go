package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store/db"
)

// ErrAPIKeyExists is returned when a live key already has the name asked for.
// Its code is ECONFLICT: the name is taken.
var ErrAPIKeyExists = &healthbot.Error{Code: healthbot.ECONFLICT, Message: "a live API key with that name exists"}

// APIKey is an intake credential as stored: the key itself is never kept,
// only its SHA-256 hash.
type APIKey struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: live
	Scope      Scope
}

// Scope is what an API key may do. Each scope includes the ones before it.
type Scope string

const (
	// ScopeEvents may only send events to the Segment-compatible
	// endpoints: a Segment write key lives in web pages.
	ScopeEvents Scope = "events"
	// ScopeRead may only read the portfolio (the MCP server's read-only
	// tools): a key for an AI client that must not write anything.
	ScopeRead Scope = "read"
	// ScopeWrite may also write accounts, signals and pulses (/v1/...),
	// send events and read.
	ScopeWrite Scope = "write"
	// ScopeAdmin may do everything; keys made before scopes are admin keys.
	ScopeAdmin Scope = "admin"
)

// scopeGrants is what each scope may do. Not a ladder: a read key may not
// send events, an events key may not read.
var scopeGrants = map[Scope][]Scope{
	ScopeEvents: {ScopeEvents},
	ScopeRead:   {ScopeRead},
	ScopeWrite:  {ScopeEvents, ScopeRead, ScopeWrite},
	ScopeAdmin:  {ScopeEvents, ScopeRead, ScopeWrite, ScopeAdmin},
}

// ParseScope reads "events", "read", "write" or "admin".
func ParseScope(s string) (Scope, error) {
	if _, ok := scopeGrants[Scope(s)]; !ok {
		return "", fmt.Errorf("scope %q: want events, read, write or admin", s)
	}
	return Scope(s), nil
}

// Allows reports whether a key of scope k may do what need requires.
func (k Scope) Allows(need Scope) bool { return slices.Contains(scopeGrants[k], need) }

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// HashAPIKey is how keys are stored and looked up.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// CreateAPIKey stores the hash of key under name with ScopeWrite; a live
// key with the same name gives ErrAPIKeyExists.
func (s *Store) CreateAPIKey(ctx context.Context, name, key string) (APIKey, error) {
	return s.CreateScopedAPIKey(ctx, name, key, ScopeWrite)
}

// CreateScopedAPIKey is CreateAPIKey with a scope.
func (s *Store) CreateScopedAPIKey(ctx context.Context, name, key string, scope Scope) (APIKey, error) {
	if _, err := ParseScope(string(scope)); err != nil {
		return APIKey{}, err
	}
	row, err := s.q.CreateAPIKey(ctx, db.CreateAPIKeyParams{Name: name, Hash: HashAPIKey(key), Scope: string(scope)})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "api_key_live_name_idx" {
			return APIKey{}, ErrAPIKeyExists
		}
		return APIKey{}, fmt.Errorf("create api key %q: %w", name, err)
	}
	return APIKey{ID: row.ID, Name: row.Name, CreatedAt: row.CreatedAt, Scope: Scope(row.Scope)}, nil
}

// APIKeyByKey finds a key (live or revoked) by its plain text, or ErrNotFound.
func (s *Store) APIKeyByKey(ctx context.Context, key string) (APIKey, error) {
	r, err := s.q.GetAPIKeyByHash(ctx, HashAPIKey(key))
	if err != nil {
		return APIKey{}, notFound(err)
	}
	return APIKey{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: deref(r.LastUsedAt), RevokedAt: deref(r.RevokedAt), Scope: Scope(r.Scope)}, nil
}

// APIKeys lists every key, live ones first.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.q.ListAPIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	out := make([]APIKey, len(rows))
	for i, r := range rows {
		out[i] = APIKey{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: deref(r.LastUsedAt), RevokedAt: deref(r.RevokedAt), Scope: Scope(r.Scope)}
	}
	return out, nil
}

// RevokeAPIKey revokes the live key named name at at, or returns ErrNotFound.
func (s *Store) RevokeAPIKey(ctx context.Context, name string, at time.Time) error {
	n, err := s.q.RevokeAPIKey(ctx, db.RevokeAPIKeyParams{Name: name, At: at})
	if err != nil {
		return fmt.Errorf("revoke api key %q: %w", name, err)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchAPIKey records a use of key id at at; the database skips the write
// when the last recorded use is less than a minute old.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, at time.Time) error {
	return s.q.TouchAPIKey(ctx, db.TouchAPIKeyParams{ID: id, At: at})
}
