package ingest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/store"
)

// keyStore is what authentication needs from the store.
type keyStore interface {
	APIKeyByKey(ctx context.Context, key string) (store.APIKey, error)
	TouchAPIKey(ctx context.Context, id int64, at time.Time) error
}

var _ keyStore = (*store.Store)(nil)

// touchEvery bounds how often a key's last use is written.
const touchEvery = time.Minute

// authenticator checks API keys on every request (so a revocation takes
// effect at once) and records their last use at most once a minute.
type authenticator struct {
	keys keyStore
	now  func() time.Time

	mu        sync.Mutex
	lastTouch map[int64]time.Time
}

func newAuthenticator(keys keyStore, now func() time.Time) *authenticator {
	return &authenticator{keys: keys, now: now, lastTouch: map[int64]time.Time{}}
}

// credential extracts a key from the Authorization header: a Bearer token,
// or the Basic user name (Segment puts its write key there, password empty).
func credential(r *http.Request) string {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	scheme, rest, _ := strings.Cut(h, " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(scheme) {
	case "bearer":
		return rest
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return ""
		}
		user, pass, _ := strings.Cut(string(raw), ":")
		if user == "" {
			return pass
		}
		return user
	}
	return ""
}

// check authenticates key for an endpoint that needs scope need and returns
// the key's name for the logs. An unknown and a revoked key get the same
// answer, so a caller cannot probe which keys existed.
func (a *authenticator) check(ctx context.Context, key, endpoint string, need store.Scope) (string, *healthbot.Error) {
	if key == "" {
		return "", errUnauthorized("an API key is required: send Authorization: Bearer <key> (or, from Segment, the key as the basic-auth user)")
	}
	k, err := a.keys.APIKeyByKey(ctx, key)
	switch {
	case errors.Is(err, store.ErrNotFound) || err == nil && k.Revoked():
		return "", errUnauthorized("the API key is not valid")
	case err != nil:
		return "", errInternal(err)
	case !k.Scope.Allows(need):
		return "", errForbidden("the API key's scope (%s) does not allow %s; it needs a key made with `healthbot apikey create --scope %s`", k.Scope, endpoint, need)
	}
	if err := a.touch(ctx, k.ID); err != nil {
		return "", errInternal(err)
	}
	return k.Name, nil
}

// touch writes the key's last use unless this process did so less than a
// minute ago; the UPDATE itself also skips recent uses, across replicas.
func (a *authenticator) touch(ctx context.Context, id int64) error {
	now := a.now()
	a.mu.Lock()
	last, ok := a.lastTouch[id]
	due := !ok || now.Sub(last) >= touchEvery
	if due {
		a.lastTouch[id] = now
	}
	a.mu.Unlock()
	if !due {
		return nil
	}
	return a.keys.TouchAPIKey(ctx, id, now)
}

// APIKeyPrefix marks healthbot keys, so a leaked one is recognisable.
const APIKeyPrefix = "hb_"

// NewAPIKey makes a fresh key: the prefix and 32 random bytes, base64url.
func NewAPIKey() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("make api key: %w", err)
	}
	return APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// RequireKey serves next only to requests that carry a live healthbot API
// key (Authorization: Bearer <key>) that may read (scope read, write or
// admin), answering 401 (or 403 for an events key) in the intake's error
// format otherwise. Other endpoints on the intake's port (the MCP server)
// use it, so keys are checked, revoked and touched in one place.
func RequireKey(keys *store.Store, now func() time.Time, log *slog.Logger, next http.Handler) http.Handler {
	if now == nil {
		now = time.Now
	}
	a := newAuthenticator(keys, now)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := credential(r)
		if key == "" {
			writeError(w, errUnauthorized("an API key is required: send Authorization: Bearer <key> (healthbot apikey create makes one)"))
			return
		}
		// Portfolio data: never for an events key (those sit in web pages).
		name, aerr := a.check(r.Context(), key, r.URL.Path, store.ScopeRead)
		if aerr != nil {
			if status := writeError(w, aerr); status >= 500 {
				log.Error("api key check failed", "path", r.URL.Path, "err", aerr)
			}
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyNameKey{}, name)))
	})
}

type keyNameKey struct{}

// KeyName is the name of the API key RequireKey accepted for ctx's request.
func KeyName(ctx context.Context) string {
	name, _ := ctx.Value(keyNameKey{}).(string)
	return name
}
