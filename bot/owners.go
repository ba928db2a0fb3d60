package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/bot/chat"
	"github.com/healthbot/healthbot/scoring"
)

// OwnerResolver finds the Slack user to DM for a CSM. A CSM imported with
// only an email is looked up once with users.lookupByEmail (scope
// users:read.email) and the Slack id is saved on the csm row, so later
// runs (alerts, outcomes, pulses) skip the lookup. Emails Slack does not
// know are not asked about again for NotFoundTTL.
type OwnerResolver struct {
	slack  emailLookup
	store  csmLinker
	retry  chat.RateLimitRetrier
	log    *slog.Logger
	now    func() time.Time
	ttl    time.Duration
	mu     sync.Mutex
	misses map[string]time.Time // lower-case email → when Slack said it has no such user
}

// emailLookup is users.lookupByEmail; *slack.Client has it.
type emailLookup interface {
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
}

// csmLinker saves a CSM's Slack id; *store.Store has it.
type csmLinker interface {
	EnsureCSM(ctx context.Context, email, slackID, name string) (int64, error)
}

// NotFoundTTL is how long an email Slack does not know is not looked up again.
const NotFoundTTL = 12 * time.Hour

// NewOwnerResolver builds a resolver; now may be nil (time.Now).
func NewOwnerResolver(api emailLookup, st csmLinker, retry chat.RateLimitRetrier, log *slog.Logger, now func() time.Time) *OwnerResolver {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if now == nil {
		now = time.Now
	}
	return &OwnerResolver{slack: api, store: st, retry: retry, log: log, now: now, ttl: NotFoundTTL, misses: map[string]time.Time{}}
}

// SlackID returns the CSM's Slack user id: the stored one, else the one
// Slack has for the CSM's email (saved for next time). "" with a nil error
// means the CSM cannot be reached in Slack.
func (r *OwnerResolver) SlackID(ctx context.Context, c scoring.CSM) (string, error) {
	if c.SlackUserID != "" || c.Email == "" || r == nil || r.slack == nil {
		return c.SlackUserID, nil
	}
	key := strings.ToLower(c.Email)
	if r.recentMiss(key) {
		return "", nil
	}
	var u *slack.User
	err := r.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		u, err = r.slack.GetUserByEmailContext(ctx, c.Email)
		return err
	})
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && se.Err == "users_not_found" {
		r.miss(key)
		r.log.WarnContext(ctx, "no Slack user has the CSM's email; they get no DMs", "csm", c.ID, "email", c.Email)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("users.lookupByEmail for CSM %d: %w", c.ID, err)
	}
	if u == nil || u.ID == "" {
		return "", nil
	}
	if _, err := r.store.EnsureCSM(ctx, c.Email, u.ID, ""); err != nil {
		r.log.WarnContext(ctx, "cannot save the CSM's Slack id", "csm", c.ID, "user", u.ID, "err", err)
	}
	return u.ID, nil
}

func (r *OwnerResolver) recentMiss(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	at, ok := r.misses[key]
	return ok && r.now().Sub(at) < r.ttl
}

func (r *OwnerResolver) miss(key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.misses[key] = r.now()
}
