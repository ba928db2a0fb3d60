package main

import (
	"context"
	"log/slog"
	"time"
)

// MinSignalRetention is the shortest HEALTHBOT_SIGNAL_RETENTION accepted: a
// year, as the usage rollup looks a year back for an admin and the
// default scorecard reads NPS half a year back; a shorter one would drop
// what today's score reads.
const MinSignalRetention = 365 * 24 * time.Hour

// retention reads an optional retention in days ("730d") or as Go writes
// it ("17520h"); unset means keep everything (0).
func (p *parser) retention(name string, least time.Duration) time.Duration {
	v := p.str(name, "")
	if v == "" {
		return 0
	}
	d, ok := parseDays(v)
	switch {
	case !ok:
		p.fail(name, "is %q; want a number of days like 730d, a duration like 17520h, or nothing to keep every month", v)
		return 0
	case d < least:
		p.fail(name, "is %q; want at least %dd (scores read up to a year back), or nothing to keep every month", v, int(least.Hours()/24))
		return 0
	}
	return d
}

// maintainPartitions is the scoring job's daily step that makes the
// coming months' signal and event partitions and drops those past
// HEALTHBOT_SIGNAL_RETENTION.
func (m *Main) maintainPartitions(ctx context.Context, log *slog.Logger) error {
	rep, err := m.store.MaintainPartitions(ctx, m.now(), m.Config.SignalRetention)
	if err != nil {
		return err
	}
	if len(rep.Dropped) > 0 {
		log.InfoContext(ctx, "partitions past the signal retention dropped", "partitions", rep.Dropped,
			"retention_days", int(m.Config.SignalRetention.Hours()/24))
	}
	return nil
}
