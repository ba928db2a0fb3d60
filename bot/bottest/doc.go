// Package bottest is the test harness for healthbot's Slack side: signed
// requests as Slack sends them, a fake Slack Web API (with Socket Mode)
// that records every call, and a response_url catcher. Waits are on
// channels with a timeout, never sleeps.
package bottest

import (
	"testing"
	"time"
)

// Timeout bounds every wait in this package; generous because CI machines
// are shared, and a passing test never waits for it.
const Timeout = 10 * time.Second

// waitUntil blocks until cond (checked under the caller's locking, via
// snapshot) holds, re-checking whenever changed() signals.
func waitUntil(t testing.TB, what string, check func() (ok bool, changed <-chan struct{})) {
	t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for {
		ok, changed := check()
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			t.Fatalf("bottest: timed out after %s waiting for %s", Timeout, what)
		}
	}
}

// broadcast is a "something changed" signal many waiters can watch.
type broadcast struct{ ch chan struct{} }

func newBroadcast() broadcast { return broadcast{ch: make(chan struct{})} }

// fire wakes every current waiter; call with the owner's lock held.
func (b *broadcast) fire() {
	close(b.ch)
	b.ch = make(chan struct{})
}
