package pulse

import (
	"context"
	"hash/fnv"
	"sync"
	"time"

	"github.com/healthbot/healthbot/bot/chat"
)

// pacer spaces calls at least every apart, so a fan-out to hundreds of CSMs
// stays under Slack's posting rate instead of leaning on 429s.
type pacer struct {
	every time.Duration
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
	mu    sync.Mutex
	next  time.Time
}

func newPacer(every time.Duration, now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) *pacer {
	if sleep == nil {
		sleep = chat.SleepCtx
	}
	return &pacer{every: every, now: now, sleep: sleep}
}

// wait blocks until the caller's turn; turns are handed out in call order.
func (p *pacer) wait(ctx context.Context) error {
	if p.every <= 0 {
		return ctx.Err()
	}
	p.mu.Lock()
	now := p.now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return p.sleep(ctx, d)
	}
	return ctx.Err()
}

// stripedLock serialises work per key (a Slack message) with a fixed set
// of mutexes, so two quick clicks cannot redraw one message out of order.
type stripedLock struct{ mu [64]sync.Mutex }

func (s *stripedLock) lock(key string) func() {
	h := fnv.New32a()
	_, _ = h.Write([]byte(key))
	m := &s.mu[h.Sum32()%uint32(len(s.mu))]
	m.Lock()
	return m.Unlock
}
