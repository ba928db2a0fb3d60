package scoring

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
)

// MetricProfile describes one signal key as the data holds it: enough to
// infer how to read it (InferMetrics) and to list it (healthbot metrics).
type MetricProfile struct {
	Signal     string    `json:"signal"`
	Accounts   int       `json:"accounts"`
	Rows       int64     `json:"rows"`
	First      time.Time `json:"first"`
	Last       time.Time `json:"last"`
	Min        float64   `json:"min"`
	Max        float64   `json:"max"`
	Integer    bool      `json:"integer"` // every value is a whole number
	Binary     bool      `json:"binary"`  // every value is 0 or 1
	PerAccount float64   `json:"per_account"`
	// GapDays is the typical number of days between one account's
	// observations (mean over accounts with two or more; 0: one each).
	GapDays float64 `json:"gap_days"`
	// Direction is the direction learned from churn, when one was.
	Direction *LearnedDirection `json:"direction,omitempty"`
}

// Kind is what sort of quantity a discovered metric is.
type Kind string

// Kinds of discovered metrics.
const (
	KindBinary   Kind = "binary"
	KindCount    Kind = "count"
	KindRatio    Kind = "ratio"
	KindAmount   Kind = "amount"
	KindDuration Kind = "duration"
	KindScore    Kind = "score"
)

// Cadence is how often accounts send a signal.
type Cadence string

// Cadences of discovered metrics.
const (
	CadenceSnapshot Cadence = "snapshot" // about one observation per account
	CadenceSparse   Cadence = "sparse"   // observations weeks apart
	CadenceWeekly   Cadence = "weekly"
	CadenceDaily    Cadence = "daily"
)

// DiscoveredWindowDays is the window of the default sum/mean and of the
// change candidate of discovered metrics.
const DiscoveredWindowDays = 28

// snapshotWindowDays is how far back the latest value of a snapshot
// signal may lie: a one-off import stays the account's state for a year.
const snapshotWindowDays = 365

var (
	kindRatioRE    = regexp.MustCompile(`(^|_)(ratio|rate|share|pct|percent|percentage|fraction)($|_)`)
	kindAmountRE   = regexp.MustCompile(`(^|_)(mrr|arr|revenue|amount|spend|price|cost|usd|eur|gbp|paid|balance|value)($|_)`)
	kindDurationRE = regexp.MustCompile(`(^|_)(days|day|minutes|mins|hours|hrs|seconds|secs|months|weeks|years|duration|tenure|age|time)($|_)`)
	kindScoreRE    = regexp.MustCompile(`(^|_)(score|csat|nps|rating|satisfaction|sentiment)($|_)`)
	famEngageRE    = regexp.MustCompile(`(^|_)(tickets?|csat|nps|support|messages?|conversations?|complaints?|calls?|emails?)($|_)`)
	famContractRE  = regexp.MustCompile(`(^|_)(mrr|arr|invoices?|contract|billing|payments?|pays|renewal|plan|revenue|discount)($|_)`)
	slugRE         = regexp.MustCompile(`[^a-z0-9]+`)
)

// Kind infers the quantity a profile measures, from its values first and
// its name second.
func (p MetricProfile) Kind() Kind {
	name := Slug(p.Signal)
	switch {
	case p.Binary:
		return KindBinary
	case kindRatioRE.MatchString(name) || (p.Min >= 0 && p.Max <= 1 && !p.Integer):
		return KindRatio
	case kindScoreRE.MatchString(name):
		return KindScore
	case kindDurationRE.MatchString(name):
		return KindDuration
	case kindAmountRE.MatchString(name):
		return KindAmount
	case p.Integer && p.Min >= 0:
		return KindCount
	}
	return KindScore
}

// Cadence infers how often the signal is sent per account.
func (p MetricProfile) Cadence() Cadence {
	switch {
	case p.PerAccount <= 1.5 || p.GapDays == 0:
		return CadenceSnapshot
	case p.GapDays <= 2:
		return CadenceDaily
	case p.GapDays <= 10:
		return CadenceWeekly
	}
	return CadenceSparse
}

// FamilyFor is the family a signal name suggests: tickets, CSAT, NPS,
// support and messages are engagement; MRR, ARR, invoices, contract,
// billing and payments contract; pulse the pulse; usage otherwise.
func FamilyFor(signal string) Family {
	name := Slug(signal)
	switch {
	case name == "pulse" || strings.HasPrefix(name, "pulse_"):
		return FamilyPulse
	case famEngageRE.MatchString(name):
		return FamilyEngagement
	case famContractRE.MatchString(name):
		return FamilyContract
	}
	return FamilyUsage
}

// Slug turns a signal key into a metric key: lower case, runs of other
// characters as one underscore ("Tickets-Open" → "tickets_open").
func Slug(signal string) string {
	s := strings.Trim(slugRE.ReplaceAllString(strings.ToLower(signal), "_"), "_")
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = "m_" + s
	}
	return s
}

// label is the slug in words: "tickets_open" → "Tickets open".
func label(slug string) string {
	s := strings.ReplaceAll(strings.TrimPrefix(slug, "m_"), "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// InferMetric is the metric a profile suggests: its default feature
// (Candidate false) first, then alternatives only the fit reads (latest
// and the 28-day change of a signal sent daily or weekly; the 90-day
// change of a sparse one). The direction is the learned one, else unknown.
// sparseCountWindowDays is the window of a rare event's count.
const sparseCountWindowDays = 90

func InferMetric(p MetricProfile) []Metric {
	key, kind, cadence := Slug(p.Signal), p.Kind(), p.Cadence()
	m := Metric{Key: key, Signal: p.Signal, Family: FamilyFor(p.Signal), Label: label(key), Unit: unitFor(kind, key),
		Normalisation: NormPeerPercentile, Weight: 1, Origin: OriginDiscovered, DirectionFrom: DirectionUnknown}
	if d := p.Direction; d != nil && d.Learned() {
		m.HigherIsBetter, m.DirectionFrom = d.HigherIsBetter, DirectionLearned
	}
	w := DiscoveredWindowDays
	switch {
	case cadence == CadenceSnapshot:
		m.Feature, m.WindowDays, m.Text = FeatureLatest, snapshotWindowDays, "{value}"
	case cadence == CadenceSparse && kind == KindCount:
		// A rare event sent as a daily count: how many times in the last
		// quarter, 0 when none (rows exist only on days it happened).
		m.Feature, m.WindowDays, m.AbsentIsZero, m.Text = FeatureSum, sparseCountWindowDays, true, fmt.Sprintf("{value} in %d days", sparseCountWindowDays)
	case cadence == CadenceSparse:
		m.Feature, m.Text = FeatureLatest, "{value}"
	case kind == KindCount:
		m.Feature, m.WindowDays, m.Text = FeatureSum, w, fmt.Sprintf("{value} in %d days", w)
	default:
		m.Feature, m.WindowDays, m.Text = FeatureMean, w, fmt.Sprintf("{value} on average over %d days", w)
	}
	if m.Key != m.Signal {
		m.Text = strings.Replace(m.Text, "{value}", "{value} "+strings.ToLower(m.Label), 1)
	}
	out := []Metric{m}
	candidate := func(suffix string, f Feature, window int, unit, text string) {
		c := m
		c.Key, c.Label, c.Feature, c.WindowDays, c.Unit, c.Text = key+"_"+suffix, m.Label+" ("+suffix+")", f, window, unit, text
		c.Candidate, c.Weight = true, 0
		out = append(out, c)
	}
	switch cadence {
	case CadenceDaily, CadenceWeekly:
		candidate("latest", FeatureLatest, 0, m.Unit, "latest {value}")
		candidate("change", FeatureChange, w, UnitChange, fmt.Sprintf("{value} in %d days", w))
	case CadenceSparse:
		if kind == KindCount {
			candidate("latest", FeatureLatest, 0, m.Unit, "latest {value}")
		} else {
			candidate("change", FeatureChange, 90, UnitChange, "{value} in 90 days")
		}
	}
	return out
}

func unitFor(k Kind, key string) string {
	switch k {
	case KindRatio:
		return UnitRatio
	case KindAmount:
		return UnitCurrency
	case KindScore:
		return UnitScore
	case KindDuration:
		switch {
		case strings.Contains(key, "day"):
			return UnitDays
		case strings.Contains(key, "min"):
			return UnitMinutes
		}
	}
	return UnitCount
}

// SkipSignal reports signals that are not health metrics of their own:
// pulses (the pulse metric reads the pulse table) and module interest.
func SkipSignal(signal string) bool {
	return signal == "" || signal == "pulse" || strings.HasPrefix(signal, "interest:")
}

// Discover infers a metric for every profiled signal no metric of the
// catalog reads, in signal order: what WithDiscovered adds.
func Discover(catalog Catalog, profiles []MetricProfile) []Metric {
	read := map[string]bool{}
	keys := map[string]bool{}
	for _, m := range catalog.metrics {
		read[m.SignalKey()], keys[m.Key] = true, true
	}
	ps := slices.Clone(profiles)
	slices.SortFunc(ps, func(a, b MetricProfile) int { return strings.Compare(a.Signal, b.Signal) })
	var out []Metric
	for _, p := range ps {
		if read[p.Signal] || SkipSignal(p.Signal) || p.Rows == 0 {
			continue
		}
		for _, m := range InferMetric(p) {
			if keys[m.Key] {
				continue // a declared key or another signal's slug wins
			}
			keys[m.Key] = true
			out = append(out, m)
		}
	}
	return out
}

// WithDiscovered adds metrics discovered in the data (Discover) to the
// catalog and to every scorecard, at their weight within their family:
// Metric.Weight once the direction is known (Compute gives a metric of
// unknown direction weight 0 and shows it as context), 0 for candidates.
// A metric whose key the catalog already holds is left out.
func (s Scorecards) WithDiscovered(ms ...Metric) (Scorecards, error) {
	if s.IsZero() {
		s = DefaultScorecards()
	}
	var add []Metric
	for _, m := range ms {
		if _, ok := s.catalog.Metric(m.Key); !ok {
			add = append(add, m)
		}
	}
	catalog, err := s.catalog.With(add...)
	if err != nil {
		return Scorecards{}, fmt.Errorf("discovered metrics: %w", err)
	}
	out := Scorecards{cards: make([]Scorecard, len(s.cards)), catalog: catalog, discovered: true}
	base := s.catalog.Len()
	for i, c := range s.cards {
		// The plan keeps what resolving the scorecard put there (staleness
		// overrides); the new metrics follow at their catalog columns.
		c.Metrics, c.plan = maps.Clone(c.Metrics), slices.Clone(c.plan)
		for j, m := range add {
			c.Metrics[m.Key] = m.Weight
			c.plan = append(c.plan, planned{metric: m, weight: m.Weight, family: slices.Index(Families, m.Family), col: base + j})
		}
		out.cards[i] = c
	}
	return out, nil
}

// HasDiscovered reports whether WithDiscovered built s.
func (s Scorecards) HasDiscovered() bool { return s.discovered }

// Waiting lists the metrics of the catalog whose direction is unknown
// (candidates left out): the ones that wait for a direction.
func (c Catalog) Waiting() []Metric {
	var out []Metric
	for _, m := range c.metrics {
		if !m.DirectionKnown() && !m.Candidate {
			out = append(out, m)
		}
	}
	return out
}
