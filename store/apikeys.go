package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/healthbot/healthbot/store/db"
)

// ErrAPIKeyExists is returned when a live key already has the name asked for.
var ErrAPIKeyExists = errors.New("a live API key with that name exists")

// APIKey is an intake credential as stored: the key itself is never kept,
// only its SHA-256 hash.
type APIKey struct {
	ID         int64
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero: never used
	RevokedAt  time.Time // zero: live
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// HashAPIKey is how keys are stored and looked up.
func HashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// CreateAPIKey stores the hash of key under name; a live key with the same
// name gives ErrAPIKeyExists.
func (s *Store) CreateAPIKey(ctx context.Context, name, key string) (APIKey, error) {
	row, err := s.q.CreateAPIKey(ctx, db.CreateAPIKeyParams{Name: name, Hash: HashAPIKey(key)})
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "api_key_live_name_idx" {
			return APIKey{}, ErrAPIKeyExists
		}
		return APIKey{}, fmt.Errorf("create api key %q: %w", name, err)
	}
	return APIKey{ID: row.ID, Name: row.Name, CreatedAt: row.CreatedAt}, nil
}

// APIKeyByKey finds a key (live or revoked) by its plain text, or ErrNotFound.
func (s *Store) APIKeyByKey(ctx context.Context, key string) (APIKey, error) {
	r, err := s.q.GetAPIKeyByHash(ctx, HashAPIKey(key))
	if err != nil {
		return APIKey{}, notFound(err)
	}
	return APIKey{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: deref(r.LastUsedAt), RevokedAt: deref(r.RevokedAt)}, nil
}

// APIKeys lists every key, live ones first.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.q.ListAPIKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	out := make([]APIKey, len(rows))
	for i, r := range rows {
		out[i] = APIKey{ID: r.ID, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: deref(r.LastUsedAt), RevokedAt: deref(r.RevokedAt)}
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
