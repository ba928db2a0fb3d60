// Package heappeak measures the peak live Go heap of a stretch of code, for
// benchmarks that report memory as well as time (the fit, the scoring run).
package heappeak

import (
	"runtime/metrics"
	"sync"
	"time"
)

// Sample samples the live heap (runtime/metrics, no stop-the-world) every
// interval until the returned stop is called, which returns the peak seen.
func Sample(every time.Duration) (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			peak = max(peak, read())
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 {
		close(done)
		wg.Wait()
		return max(peak, read())
	}
}
