package scoring

import (
	"maps"
	"slices"
)

// Staleness overrides, in one scorecard, how long a metric's data counts:
// fully up to FreshDays (0: half of StaleAfterDays), then less, and not at
// all from StaleAfterDays (0: never stale). The built-in pulse counts fully
// for 14 days and stops at 30; a team that asks less often can stretch it.
type Staleness struct {
	FreshDays      int `yaml:"fresh_days,omitempty"`
	StaleAfterDays int `yaml:"stale_after_days"`
}

// StalenessByMetric is a scorecard's staleness overrides by metric key.
type StalenessByMetric map[string]Staleness

// applyStaleness puts the scorecard's overrides on its resolved plan;
// problems are reported as staleness.<metric>.<field>.
func applyStaleness(c *Scorecard, catalog Catalog, bad func(field, format string, args ...any)) {
	for _, key := range slices.Sorted(maps.Keys(c.Staleness)) {
		s := c.Staleness[key]
		field := "staleness." + key
		i := slices.IndexFunc(c.plan, func(p planned) bool { return p.metric.Key == key })
		if i < 0 {
			if _, ok := catalog.Metric(key); ok {
				bad(field, "the scorecard does not use metric %s", key)
			} else {
				bad(field, "unknown metric%s", didYouMean(key, catalog.Keys()))
			}
			continue
		}
		switch {
		case s.StaleAfterDays < 0:
			bad(field+".stale_after_days", "must not be negative (0 means never stale)")
		case s.FreshDays < 0 || (s.StaleAfterDays > 0 && s.FreshDays >= s.StaleAfterDays):
			bad(field+".fresh_days", "must be between 0 and stale_after_days (%d)", s.StaleAfterDays)
		default:
			c.plan[i].metric.FreshDays, c.plan[i].metric.StaleAfterDays = s.FreshDays, s.StaleAfterDays
		}
	}
}
