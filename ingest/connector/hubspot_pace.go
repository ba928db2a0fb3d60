package connector

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/jonboulle/clockwork"
)

// HubSpot's documented limits (developers.hubspot.com/docs/guides/apps/api-usage/usage-details):
// a private app may send 100 requests per 10 seconds on Free and Starter
// portals (190 on Professional and Enterprise), and the CRM search
// endpoints take 5 requests per second. The sync starts from the lowest
// and adopts what HubSpot's X-HubSpot-RateLimit-* headers say.
const (
	hubspotDefaultMax      = 100
	hubspotDefaultInterval = 10 * time.Second
	hubspotSearchMax       = 5
	hubspotSearchInterval  = time.Second
)

// window paces requests so that no interval holds more than max of them:
// a request waits until the oldest in the window has aged out, or until
// blockedUntil when HubSpot said none remain.
type window struct {
	max          int
	interval     time.Duration
	sent         []time.Time // send times within the last interval, oldest first
	blockedUntil time.Time
}

// next is when a request may go at now.
func (w *window) next(now time.Time) time.Time {
	cut := now.Add(-w.interval)
	i := 0
	for i < len(w.sent) && !w.sent[i].After(cut) {
		i++
	}
	w.sent = w.sent[i:]
	at := now
	if len(w.sent) >= w.max {
		at = w.sent[len(w.sent)-w.max].Add(w.interval)
	}
	if w.blockedUntil.After(at) {
		at = w.blockedUntil
	}
	return at
}

// hubspotPacer keeps the sync under HubSpot's limits ahead of any 429.
// One run uses it from one goroutine.
type hubspotPacer struct {
	clock         clockwork.Clock
	general, srch window
}

func newHubSpotPacer(clock clockwork.Clock) *hubspotPacer {
	return &hubspotPacer{clock: clock,
		general: window{max: hubspotDefaultMax, interval: hubspotDefaultInterval},
		srch:    window{max: hubspotSearchMax, interval: hubspotSearchInterval}}
}

// wait blocks until a request (a search or not) may be sent, and counts it.
func (p *hubspotPacer) wait(ctx context.Context, search bool) error {
	for {
		now := p.clock.Now()
		at := p.general.next(now)
		if search {
			if s := p.srch.next(now); s.After(at) {
				at = s
			}
		}
		if !at.After(now) {
			p.general.sent = append(p.general.sent, now)
			if search {
				p.srch.sent = append(p.srch.sent, now)
			}
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-p.clock.After(at.Sub(now)):
		}
	}
}

// observe reads a response's X-HubSpot-RateLimit-* headers: Max and
// Interval-Milliseconds size the window; Remaining 0 holds every request
// until a whole interval has passed (the portal's other apps share it).
func (p *hubspotPacer) observe(h http.Header) {
	if ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 {
		p.general.interval = time.Duration(ms) * time.Millisecond
	}
	if n, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Max")); err == nil && n > 0 {
		p.general.max = n
	}
	if n, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Remaining")); err == nil && n <= 0 {
		p.general.blockedUntil = p.clock.Now().Add(p.general.interval)
	}
	if n, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Secondly-Remaining")); err == nil && n <= 0 {
		p.general.blockedUntil = maxTime(p.general.blockedUntil, p.clock.Now().Add(time.Second))
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
