package scoring

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Defaults a scorecard gets for what it does not set.
const (
	DefaultMinConfidence = 0.5
	DefaultMinPeers      = 8
	// DefaultScorecardName is the catch-all scorecard added when a file has none.
	DefaultScorecardName = "default"
)

// DefaultFamilyWeights are the family weights of the built-in scorecard.
func DefaultFamilyWeights() map[Family]float64 {
	return map[Family]float64{FamilyUsage: 40, FamilyEngagement: 25, FamilyPulse: 20, FamilyContract: 15}
}

// Match says which accounts a scorecard is for. Both lists set means both
// must match; none set means the catch-all. Comparison ignores case.
type Match struct {
	Segments []string
	Outcomes []string
}

// IsDefault reports whether this is the catch-all match.
func (m Match) IsDefault() bool { return len(m.Segments) == 0 && len(m.Outcomes) == 0 }

// Specificity ranks how closely m matches a: -1 no match, 0 catch-all,
// 1 outcome, 2 segment, 3 segment and outcome. The highest wins.
func (m Match) Specificity(a Account) int {
	segOK := len(m.Segments) == 0 || containsFold(m.Segments, a.Segment)
	outOK := len(m.Outcomes) == 0 || containsFold(m.Outcomes, a.Outcome)
	if !segOK || !outOK {
		return -1
	}
	s := 0
	if len(m.Segments) > 0 {
		s += 2
	}
	if len(m.Outcomes) > 0 {
		s++
	}
	return s
}

// Scorecard decides how accounts it matches are scored. Build it through
// ParseScorecards or NewScorecards, which validate and resolve it.
type Scorecard struct {
	Name  string
	Match Match
	// Families weighs the families (relative). After NewScorecards it holds
	// all four; families not named keep DefaultFamilyWeights.
	Families map[Family]float64
	// Metrics weighs metrics within their family (relative), by key. After
	// NewScorecards it holds every metric the scorecard uses: the built-ins
	// (at Metric.Weight unless named), its custom metrics and any other
	// catalog metric it names.
	Metrics       map[string]float64
	Bands         Bands
	MinConfidence float64 // below it the account is "not enough data"
	MinPeers      int     // fewer segment peers holding a metric: rank against all accounts
	CustomMetrics []Metric
	Alerts        AlertRules // thresholds of the alert rules; defaults where the file is silent

	Staleness StalenessByMetric // how long a metric's data counts, where the file overrides it

	// LearnedDirections overrides, in this scorecard, the direction of a
	// metric it uses (key → higher is better), as learned from churn by
	// the backtest fit; such a metric gets DirectionFrom = learned. Written
	// as learned_directions, the section is the marker: it is per
	// scorecard because segments with their own fit may learn differently.
	LearnedDirections map[string]bool

	plan []planned // resolved metrics in catalog order
}

// planned is one metric of a resolved scorecard.
type planned struct {
	metric Metric
	weight float64 // within its family
	family int     // index into Families
	col    int     // index into the catalog
}

// Scorecards is a validated, resolved set of scorecards with the catalog
// (built-ins plus custom metrics) they score with.
type Scorecards struct {
	cards      []Scorecard
	catalog    Catalog
	discovered bool // WithDiscovered added the data's own metrics
}

// ScorecardError is one validation problem, naming the scorecard and the
// field as written in YAML (e.g. metrics.active_usr).
type ScorecardError struct {
	Scorecard string
	Field     string
	Problem   string
	Line      int // in the YAML file; 0 when unknown
}

func (e *ScorecardError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Scorecard != "" {
		fmt.Fprintf(&b, "scorecard %q: ", e.Scorecard)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// DefaultScorecard is the built-in catch-all scorecard over the built-in catalog.
func DefaultScorecard() Scorecard {
	return DefaultScorecards().cards[0]
}

// All lists the scorecards in file order (the catch-all last if it was added).
func (s Scorecards) All() []Scorecard { return slices.Clone(s.cards) }

// Catalog is every metric the scorecards can use; extract features for these.
func (s Scorecards) Catalog() Catalog { return s.catalog }

// IsZero reports whether s was never built (Compute then uses the defaults).
func (s Scorecards) IsZero() bool { return len(s.cards) == 0 }

// Get returns the scorecard with this name.
func (s Scorecards) Get(name string) (Scorecard, bool) {
	for _, c := range s.cards {
		if c.Name == name {
			return c, true
		}
	}
	return Scorecard{}, false
}

// For returns the scorecard of an account: the most specific match
// (segment+outcome > segment > outcome > catch-all), first in order on a tie.
func (s Scorecards) For(a Account) Scorecard {
	if s.IsZero() {
		s = DefaultScorecards()
	}
	return s.cards[s.indexFor(a)]
}

func (s Scorecards) indexFor(a Account) int {
	best, bestSpec := len(s.cards)-1, -1
	for i, c := range s.cards {
		if sp := c.Match.Specificity(a); sp > bestSpec {
			best, bestSpec = i, sp
		}
	}
	return best
}

// NewScorecards validates cards against the base catalog (DefaultCatalog
// when zero), adds their custom metrics, resolves defaults and appends the
// built-in catch-all if none of them is one. Errors are *ScorecardError,
// joined.
func NewScorecards(base Catalog, cards ...Scorecard) (Scorecards, error) {
	if base.Len() == 0 {
		base = DefaultCatalog()
	}
	var errs []error
	fail := func(card, field, format string, args ...any) {
		errs = append(errs, &ScorecardError{Scorecard: card, Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if len(cards) == 0 {
		fail("", "scorecards", "no scorecards defined")
	}
	catalog := customCatalog(base, cards, fail)
	names := map[string]bool{}
	out := make([]Scorecard, 0, len(cards)+1)
	for _, c := range cards {
		if c.Name == "" {
			fail("", "name", "every scorecard needs a name")
		} else if names[c.Name] {
			fail(c.Name, "name", "defined twice")
		}
		names[c.Name] = true
		out = append(out, resolve(c, base, catalog, fail))
	}
	checkOverlaps(out, fail)
	if len(errs) > 0 {
		return Scorecards{}, errors.Join(errs...)
	}
	if !slices.ContainsFunc(out, func(c Scorecard) bool { return c.Match.IsDefault() }) {
		if names[DefaultScorecardName] {
			return Scorecards{}, &ScorecardError{Scorecard: DefaultScorecardName, Field: "match",
				Problem: "no catch-all scorecard: the one named default must have no match (or add a scorecard without match)"}
		}
		out = append(out, DefaultScorecard())
	}
	return Scorecards{cards: out, catalog: catalog}, nil
}

func planFor(catalog Catalog, fams map[Family]float64, weights map[string]float64) []planned {
	var plan []planned
	for col, m := range catalog.metrics {
		w, ok := weights[m.Key]
		if !ok {
			continue
		}
		plan = append(plan, planned{metric: m, weight: w, family: slices.Index(Families, m.Family), col: col})
	}
	return plan
}

// totalWeight is Σ over families with weight and metrics of the family
// weight — zero when nothing could ever contribute.
func totalWeight(plan []planned, fams map[Family]float64) float64 {
	var has [4]bool
	for _, p := range plan {
		if p.weight > 0 {
			has[p.family] = true
		}
	}
	t := 0.0
	for i, f := range Families {
		if has[i] {
			t += fams[f]
		}
	}
	return t
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}

func familyNames() []string {
	out := make([]string, len(Families))
	for i, f := range Families {
		out[i] = string(f)
	}
	return out
}

// planned returns the metric as this scorecard scores it (with its
// staleness and learned-direction overrides).
func (c Scorecard) planned(key string) (Metric, bool) {
	for _, p := range c.plan {
		if p.metric.Key == key {
			return p.metric, true
		}
	}
	return Metric{}, false
}
