package heappeak

import (
	"testing"
	"time"
)

// The peak covers what was live between start and stop: a 64 MiB slice
// kept alive until after the stop is seen.
func TestSampleSeesALiveAllocation(t *testing.T) {
	t.Parallel()
	stop := Sample(time.Millisecond)
	buf := make([]byte, 64<<20)
	for i := range buf {
		buf[i] = byte(i)
	}
	peak := stop()
	if peak < 64<<20 {
		t.Fatalf("peak %d bytes, want at least the 64 MiB held", peak)
	}
	_ = buf[len(buf)-1]
}
