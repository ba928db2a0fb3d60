package scoring

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// Units a metric value can be formatted in (see FormatValue).
const (
	UnitRatio    = "ratio"    // 0–1, shown as a percentage
	UnitChange   = "change"   // relative change, shown as a signed percentage
	UnitDays     = "days"     // shown as "12 days"
	UnitCount    = "count"    // shown as an integer
	UnitCurrency = "currency" // shown as "$1,200"
	UnitMinutes  = "minutes"  // shown as "45 min" or "3.5 h"
	UnitScore    = "score"    // a plain score such as NPS or CSAT
	UnitRating   = "rating"   // a pulse: 2 healthy, 1 concerning, 0 poor
)

var units = []string{UnitRatio, UnitChange, UnitDays, UnitCount, UnitCurrency, UnitMinutes, UnitScore, UnitRating}

// Pulse values the store writes for the pulse metric, so that an absolute
// mapping can turn a CSM's rating into a score.
const (
	PulseValuePoor       = 0
	PulseValueConcerning = 1
	PulseValueHealthy    = 2
)

// PulseValue is the feature value of a rating.
func PulseValue(r Rating) (float64, bool) {
	switch r {
	case RatingHealthy:
		return PulseValueHealthy, true
	case RatingConcerning:
		return PulseValueConcerning, true
	case RatingPoor:
		return PulseValuePoor, true
	}
	return 0, false
}

// Catalog is an ordered set of metrics, keyed by Metric.Key.
// The zero Catalog is empty; use DefaultCatalog for the built-ins.
type Catalog struct {
	metrics []Metric
	index   map[string]int
}

// NewCatalog validates the metrics and returns them as a catalog, in order.
func NewCatalog(ms ...Metric) (Catalog, error) {
	var c Catalog
	return c.With(ms...)
}

// With returns a copy of c with ms added; a key already in c is an error.
func (c Catalog) With(ms ...Metric) (Catalog, error) {
	out := Catalog{metrics: slices.Clone(c.metrics), index: make(map[string]int, len(c.metrics)+len(ms))}
	for i, m := range out.metrics {
		out.index[m.Key] = i
	}
	for _, m := range ms {
		if err := m.Validate(); err != nil {
			return Catalog{}, fmt.Errorf("metric %q: %w", m.Key, err)
		}
		if _, dup := out.index[m.Key]; dup {
			return Catalog{}, fmt.Errorf("metric %q: defined twice", m.Key)
		}
		out.index[m.Key] = len(out.metrics)
		out.metrics = append(out.metrics, m)
	}
	return out, nil
}

// Metric returns the metric with this key.
func (c Catalog) Metric(key string) (Metric, bool) {
	i, ok := c.index[key]
	if !ok {
		return Metric{}, false
	}
	return c.metrics[i], true
}

// Metrics lists the catalog in order; feature extraction reads this list.
func (c Catalog) Metrics() []Metric { return slices.Clone(c.metrics) }

// Keys lists the metric keys in order.
func (c Catalog) Keys() []string {
	keys := make([]string, len(c.metrics))
	for i, m := range c.metrics {
		keys[i] = m.Key
	}
	return keys
}

// Len is the number of metrics.
func (c Catalog) Len() int { return len(c.metrics) }

// DefaultCatalog is the built-in metric catalog covering the four families.
func DefaultCatalog() Catalog {
	c, err := NewCatalog(builtinMetrics()...)
	if err != nil {
		panic("scoring: built-in catalog is invalid: " + err.Error())
	}
	return c
}

func builtinMetrics() []Metric {
	pct := NormPeerPercentile
	return []Metric{
		// usage
		{Key: MetricActiveUserRatio, Family: FamilyUsage, Label: "Active users", Unit: UnitRatio, HigherIsBetter: true,
			Feature: FeatureLatest, Normalisation: pct, Weight: 3, Text: "{value} of seats active{seats}"},
		{Key: "licence_change", Signal: "seats_used", Family: FamilyUsage, Label: "Licences", Unit: UnitChange, HigherIsBetter: true,
			Feature: FeatureChange, WindowDays: 28, Normalisation: pct, Weight: 2, Text: "seats used {value} in 28 days"},
		{Key: "key_feature_adoption", Family: FamilyUsage, Label: "Key-feature adoption", Unit: UnitRatio, HigherIsBetter: true,
			Feature: FeatureMean, WindowDays: 28, Normalisation: pct, Weight: 2, Text: "{value} of key features in use"},
		{Key: "days_since_admin_seen", Family: FamilyUsage, Label: "Admin activity", Unit: UnitDays, HigherIsBetter: false,
			Feature: FeatureLatest, Normalisation: pct, Weight: 1, Text: "admin last seen {value} ago"},
		{Key: "session_gap_days", Family: FamilyUsage, Label: "Time between sessions", Unit: UnitDays, HigherIsBetter: false,
			Feature: FeatureMean, WindowDays: 28, Normalisation: pct, Weight: 1, Text: "{value} between sessions on average"},
		// engagement
		{Key: "support_tickets", Family: FamilyEngagement, Label: "Support tickets", Unit: UnitCount, HigherIsBetter: false,
			Feature: FeatureSum, WindowDays: 28, Normalisation: pct, Weight: 1, Text: "{value} tickets in 28 days"},
		{Key: "csat", Family: FamilyEngagement, Label: "CSAT", Unit: UnitScore, HigherIsBetter: true,
			Feature: FeatureMean, WindowDays: 90, Normalisation: pct, Weight: 1, Text: "CSAT {value} over 90 days"},
		{Key: "nps", Family: FamilyEngagement, Label: "NPS", Unit: UnitScore, HigherIsBetter: true,
			Feature: FeatureLatest, WindowDays: 180, Normalisation: NormAbsolute, Weight: 1, Text: "NPS {value}",
			Mapping: []Point{{Value: -100, Score: 0}, {Value: 100, Score: 100}}},
		{Key: "customer_messages", Family: FamilyEngagement, Label: "Customer conversations", Unit: UnitCount, HigherIsBetter: true,
			Feature: FeatureSum, WindowDays: 28, Normalisation: pct, Weight: 1, Text: "{value} messages in 28 days"},
		{Key: "first_response_minutes", Family: FamilyEngagement, Label: "First response time", Unit: UnitMinutes, HigherIsBetter: false,
			Feature: FeatureMean, WindowDays: 28, Normalisation: pct, Weight: 1, Text: "first response in {value} on average"},
		{Key: "negative_sentiment_share", Family: FamilyEngagement, Label: "Negative sentiment", Unit: UnitRatio, HigherIsBetter: false,
			Feature: FeatureMean, WindowDays: 28, Normalisation: pct, Weight: 1, Text: "{value} of conversations negative"},
		// Days since the CSM last logged a call, meeting, email or QBR (the
		// timeline, #17). Weight 0: context on the card and a feature the
		// backtest's fit can weigh; a scorecard gives it a weight to score it.
		{Key: "days_since_touchpoint", Signal: "touchpoint", Family: FamilyEngagement, Label: "Last touchpoint", Unit: UnitDays,
			HigherIsBetter: false, Feature: FeatureDaysSince, WindowDays: 90, Normalisation: pct, Weight: 0,
			Text: "last touchpoint {value} ago"},
		// pulse
		{Key: "pulse", Family: FamilyPulse, Label: "CSM pulse", Unit: UnitRating, HigherIsBetter: true,
			Feature: FeatureLatest, Normalisation: NormAbsolute, Weight: 1, Text: "rated {value}",
			Mapping:        []Point{{Value: PulseValuePoor, Score: 10}, {Value: PulseValueConcerning, Score: 50}, {Value: PulseValueHealthy, Score: 90}},
			StaleAfterDays: 30, FreshDays: 14},
		// contract
		{Key: "mrr_change", Signal: "mrr", Family: FamilyContract, Label: "MRR", Unit: UnitChange, HigherIsBetter: true,
			Feature: FeatureChange, WindowDays: 90, Normalisation: pct, Weight: 1, Text: "MRR {value} in 90 days"},
		{Key: "late_invoices", Family: FamilyContract, Label: "Late invoices", Unit: UnitCount, HigherIsBetter: false,
			Feature: FeatureSum, WindowDays: 90, Normalisation: pct, Weight: 1, Text: "{value} late invoices in 90 days"},
		{Key: "days_to_renewal", Family: FamilyContract, Label: "Renewal", Unit: UnitDays, HigherIsBetter: true,
			Feature: FeatureLatest, Normalisation: pct, Weight: 0, Text: "renewal in {value}"},
	}
}

var metricKeyRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Validate checks one metric definition; the error names the field (as in YAML).
func (m Metric) Validate() error {
	var errs []string
	add := func(field, format string, args ...any) {
		errs = append(errs, field+": "+fmt.Sprintf(format, args...))
	}
	if !metricKeyRE.MatchString(m.Key) {
		add("key", "%q must be lower_snake_case (a–z, 0–9, _)", m.Key)
	}
	if !slices.Contains(Families, m.Family) {
		add("family", "unknown family %q (one of %s)", m.Family, joinFamilies())
	}
	if m.Label == "" {
		add("label", "required")
	}
	if m.Unit != "" && !slices.Contains(units, m.Unit) {
		add("unit", "unknown unit %q (one of %s)", m.Unit, strings.Join(units, ", "))
	}
	switch m.Feature {
	case FeatureLatest:
	case FeatureSum, FeatureMean, FeatureChange, FeatureDaysSince:
		if m.WindowDays <= 0 {
			add("window_days", "must be > 0 for feature %q", m.Feature)
		}
	default:
		add("feature", "unknown feature %q (one of latest, sum, mean, change, days_since)", m.Feature)
	}
	if m.WindowDays < 0 {
		add("window_days", "must not be negative")
	}
	switch m.Normalisation {
	case NormPeerPercentile:
		if len(m.Mapping) > 0 {
			add("mapping", "only applies to normalisation absolute")
		}
	case NormAbsolute:
		if err := validMapping(m.Mapping); err != "" {
			add("mapping", "%s", err)
		}
	default:
		add("normalisation", "unknown normalisation %q (peer_percentile or absolute)", m.Normalisation)
	}
	if m.Weight < 0 || math.IsNaN(m.Weight) {
		add("weight", "must not be negative")
	}
	if m.StaleAfterDays < 0 {
		add("stale_after_days", "must not be negative")
	}
	if m.FreshDays < 0 || (m.StaleAfterDays > 0 && m.FreshDays >= m.StaleAfterDays) {
		add("fresh_days", "must be between 0 and stale_after_days (%d)", m.StaleAfterDays)
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return nil
}

func validMapping(ps []Point) string {
	if len(ps) < 2 {
		return "an absolute metric needs a mapping of at least 2 points"
	}
	for i, p := range ps {
		if p.Score < 0 || p.Score > 100 || math.IsNaN(p.Score) {
			return fmt.Sprintf("point %d: score %g is outside 0–100", i, p.Score)
		}
		if i > 0 && !(p.Value > ps[i-1].Value) {
			return fmt.Sprintf("point %d: values must increase (%g after %g)", i, p.Value, ps[i-1].Value)
		}
	}
	return ""
}

// Staleness is the factor (1 fresh … 0 ignored) that multiplies the metric's
// weight for an observation ageDays old: full weight up to FreshDays
// (StaleAfterDays/2 when unset), then linearly down to 0 at StaleAfterDays.
func (m Metric) Staleness(ageDays float64) float64 {
	if m.StaleAfterDays <= 0 {
		return 1
	}
	stale := float64(m.StaleAfterDays)
	fresh := float64(m.FreshDays)
	if m.FreshDays == 0 {
		fresh = stale / 2
	}
	switch {
	case ageDays <= fresh:
		return 1
	case ageDays >= stale:
		return 0
	}
	return (stale - ageDays) / (stale - fresh)
}

// MapAbsolute turns a value into a 0–100 score through the metric's mapping,
// linearly between points and clamped beyond the ends.
func (m Metric) MapAbsolute(v float64) float64 {
	ps := m.Mapping
	if len(ps) == 0 {
		return 50
	}
	if v <= ps[0].Value {
		return ps[0].Score
	}
	for i := 1; i < len(ps); i++ {
		if v <= ps[i].Value {
			a, b := ps[i-1], ps[i]
			return a.Score + (b.Score-a.Score)*(v-a.Value)/(b.Value-a.Value)
		}
	}
	return ps[len(ps)-1].Score
}

func joinFamilies() string {
	s := make([]string, len(Families))
	for i, f := range Families {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}
