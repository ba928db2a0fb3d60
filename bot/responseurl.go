package bot

import (
	"errors"
	"sync"
	"time"
)

// Slack lets a response_url be used five times within 30 minutes of the
// request that carried it.
const (
	ResponseURLUses = 5
	ResponseURLLife = 30 * time.Minute
)

// ErrResponseURLSpent means a response_url has been used five times or is
// older than 30 minutes; the reply has to go through the Web API instead.
var ErrResponseURLSpent = errors.New("bot: response_url used up or expired")

// responseURLs counts the uses of each response_url since Slack sent it,
// forgetting URLs once they expire so the map stays small.
type responseURLs struct {
	now       func() time.Time
	mu        sync.Mutex
	seen      map[string]*urlUses
	lastSweep time.Time
}

type urlUses struct {
	received time.Time
	n        int
}

func newResponseURLs(now func() time.Time) *responseURLs {
	return &responseURLs{now: now, seen: make(map[string]*urlUses)}
}

// received notes when Slack handed us url; the 30 minutes count from here.
func (t *responseURLs) received(url string) {
	if url == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.seen[url]; !ok {
		t.seen[url] = &urlUses{received: t.now()}
	}
}

// use claims one use of url, or returns ErrResponseURLSpent.
func (t *responseURLs) use(url string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.sweep(now)
	u, ok := t.seen[url]
	if !ok {
		u = &urlUses{received: now}
		t.seen[url] = u
	}
	if u.n >= ResponseURLUses || now.Sub(u.received) >= ResponseURLLife {
		return ErrResponseURLSpent
	}
	u.n++
	return nil
}

// sweep drops long-expired URLs, at most once a minute. They are kept an
// hour past expiry so a late job still finds its URL spent rather than
// mistaking it for a new one.
func (t *responseURLs) sweep(now time.Time) {
	if now.Sub(t.lastSweep) < time.Minute {
		return
	}
	t.lastSweep = now
	for url, u := range t.seen {
		if now.Sub(u.received) >= ResponseURLLife+time.Hour {
			delete(t.seen, url)
		}
	}
}
