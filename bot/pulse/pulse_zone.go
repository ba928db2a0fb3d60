package pulse

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/scoring"
)

// zoneRetry is how long a failed users.info lookup is not repeated.
const zoneRetry = time.Hour

// zoneCache loads IANA zones once and remembers failed Slack lookups.
type zoneCache struct {
	fallback *time.Location
	mu       sync.Mutex
	locs     map[string]*time.Location
	failed   map[string]time.Time // Slack user → when users.info failed
}

func newZoneCache(fallback *time.Location) *zoneCache {
	return &zoneCache{fallback: fallback, locs: map[string]*time.Location{}, failed: map[string]time.Time{}}
}

// load returns the zone named tz, or the fallback for "" or an unknown name.
func (z *zoneCache) load(tz string) *time.Location {
	if tz == "" {
		return z.fallback
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	if l, ok := z.locs[tz]; ok {
		return l
	}
	l, err := time.LoadLocation(tz)
	if err != nil {
		l = z.fallback
	}
	z.locs[tz] = l
	return l
}

func (z *zoneCache) recentFailure(user string, now time.Time) bool {
	z.mu.Lock()
	defer z.mu.Unlock()
	at, ok := z.failed[user]
	return ok && now.Sub(at) < zoneRetry
}

func (z *zoneCache) fail(user string, now time.Time) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.failed[user] = now
}

// zone is the CSM's time zone: the one cached in csm.tz, else Slack's
// (users.info, then cached), else the workspace fallback. c.TZ is updated.
func (p *Pulse) zone(ctx context.Context, c *scoring.CSM) *time.Location {
	if c.TZ == "" && c.SlackUserID != "" && p.slack != nil && !p.zones.recentFailure(c.SlackUserID, p.now()) {
		if tz, err := p.slackZone(ctx, *c); err != nil {
			p.zones.fail(c.SlackUserID, p.now())
			p.log.WarnContext(ctx, "cannot read the CSM's time zone from Slack; using the workspace zone", "csm", c.ID, "user", c.SlackUserID, "err", err)
		} else if tz != "" {
			c.TZ = tz
		}
	}
	return p.zones.load(c.TZ)
}

// refreshZone re-reads the CSM's zone from Slack after a check-in, so a
// CSM who moved gets next week's at their new local hour.
func (p *Pulse) refreshZone(ctx context.Context, c scoring.CSM) {
	if c.SlackUserID == "" || p.slack == nil {
		return
	}
	if _, err := p.slackZone(ctx, c); err != nil {
		p.log.DebugContext(ctx, "cannot refresh the CSM's time zone", "csm", c.ID, "err", err)
	}
}

// slackZone asks users.info for the user's zone and caches a changed one
// on the csm row.
func (p *Pulse) slackZone(ctx context.Context, c scoring.CSM) (string, error) {
	var u *slack.User
	err := p.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		u, err = p.slack.GetUserInfoContext(ctx, c.SlackUserID)
		return err
	})
	if err != nil {
		return "", err
	}
	if u == nil || u.TZ == "" {
		return "", errors.New("users.info gave no time zone")
	}
	if _, err := time.LoadLocation(u.TZ); err != nil {
		return "", err
	}
	if u.TZ != c.TZ {
		if err := p.store.SetCSMTimeZone(ctx, c.ID, u.TZ); err != nil {
			return u.TZ, err
		}
	}
	return u.TZ, nil
}
