package scoring

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// customCatalog adds every scorecard's custom metrics to base; the same key
// in two scorecards must have the same definition.
func customCatalog(base Catalog, cards []Scorecard, fail func(card, field, format string, args ...any)) Catalog {
	var extra []Metric
	owner := map[string]string{}
	for _, c := range cards {
		for i, m := range c.CustomMetrics {
			field := fmt.Sprintf("custom_metrics[%d]", i)
			if err := m.Validate(); err != nil {
				fail(c.Name, field, "%v", err)
				continue
			}
			if _, ok := base.Metric(m.Key); ok {
				fail(c.Name, field+".key", "%q is a built-in metric; give the custom metric its own key", m.Key)
				continue
			}
			if prev, ok := owner[m.Key]; ok {
				j := slices.IndexFunc(extra, func(x Metric) bool { return x.Key == m.Key })
				if !reflect.DeepEqual(extra[j], m) {
					fail(c.Name, field+".key", "%q is defined differently in scorecard %q", m.Key, prev)
				}
				continue
			}
			owner[m.Key] = c.Name
			extra = append(extra, m)
		}
	}
	cat, err := base.With(extra...)
	if err != nil { // unreachable: validated above
		fail("", "custom_metrics", "%v", err)
		return base
	}
	return cat
}

// resolve validates one scorecard and fills its defaults and plan.
func resolve(c Scorecard, base, catalog Catalog, fail func(card, field, format string, args ...any)) Scorecard {
	bad := func(field, format string, args ...any) { fail(c.Name, field, format, args...) }
	fams := DefaultFamilyWeights()
	for _, f := range slices.Sorted(maps.Keys(c.Families)) {
		w := c.Families[f]
		switch {
		case !slices.Contains(Families, f):
			bad("families."+string(f), "unknown family%s (one of %s)", didYouMean(string(f), familyNames()), joinFamilies())
		case !(w >= 0) || math.IsInf(w, 0):
			bad("families."+string(f), "weight %g must not be negative", w)
		default:
			fams[f] = w
		}
	}
	metrics := map[string]float64{}
	for _, m := range base.metrics {
		metrics[m.Key] = m.Weight
	}
	for _, m := range c.CustomMetrics {
		metrics[m.Key] = m.Weight
	}
	for _, k := range slices.Sorted(maps.Keys(c.Metrics)) {
		w := c.Metrics[k]
		switch _, ok := catalog.Metric(k); {
		case !ok:
			bad("metrics."+k, "unknown metric%s", didYouMean(k, catalog.Keys()))
		case !(w >= 0) || math.IsInf(w, 0):
			bad("metrics."+k, "weight %g must not be negative", w)
		default:
			metrics[k] = w
		}
	}
	if field, problem := c.Bands.validate(); problem != "" {
		bad(field, "%s", problem)
	}
	if !(c.MinConfidence >= 0 && c.MinConfidence <= 1) {
		bad("min_confidence", "%g is outside 0–1", c.MinConfidence)
	}
	if c.MinPeers < 1 {
		bad("min_peers", "%d must be at least 1", c.MinPeers)
	}
	checkMatch(c, bad)
	c.Families, c.Metrics = fams, metrics
	c.replan(catalog, bad)
	if totalWeight(c.plan, fams) == 0 {
		bad("metrics", "no metric has a positive weight in a family with a positive weight")
	}
	return c
}

func checkMatch(c Scorecard, bad func(field, format string, args ...any)) {
	for i, s := range c.Match.Segments {
		if strings.TrimSpace(s) == "" {
			bad(fmt.Sprintf("match.segments[%d]", i), "empty segment")
		}
	}
	for i, s := range c.Match.Outcomes {
		if strings.TrimSpace(s) == "" {
			bad(fmt.Sprintf("match.outcomes[%d]", i), "empty outcome")
		}
	}
}

// checkOverlaps rejects two scorecards that would tie for one account, so
// selection never depends on file order in a way a reader cannot see.
func checkOverlaps(cards []Scorecard, fail func(card, field, format string, args ...any)) {
	for i, a := range cards {
		for _, b := range cards[:i] {
			if kind(a.Match) != kind(b.Match) || a.Name == "" || b.Name == "" {
				continue
			}
			if a.Match.IsDefault() {
				fail(a.Name, "match", "a second catch-all scorecard (%q is one already)", b.Name)
				continue
			}
			seg := overlap(a.Match.Segments, b.Match.Segments)
			out := overlap(a.Match.Outcomes, b.Match.Outcomes)
			if (len(a.Match.Segments) == 0 || seg != "") && (len(a.Match.Outcomes) == 0 || out != "") {
				fail(a.Name, "match", "matches the same accounts as scorecard %q (%s)", b.Name, strings.Trim(seg+" "+out, " "))
			}
		}
	}
}

// kind is which lists a match sets; only matches of one kind can tie.
func kind(m Match) int { return boolInt(len(m.Segments) > 0)*2 + boolInt(len(m.Outcomes) > 0) }

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func overlap(a, b []string) string {
	for _, x := range a {
		if containsFold(b, x) {
			return x
		}
	}
	return ""
}

// applyLearnedDirections puts the scorecard's learned directions on its
// plan. An absolute mapping is mirrored (score → 100 − score), so that a
// reversed direction reverses the score whatever the normalisation.
func applyLearnedDirections(c *Scorecard, catalog Catalog, bad func(field, format string, args ...any)) {
	for _, key := range slices.Sorted(maps.Keys(c.LearnedDirections)) {
		i := slices.IndexFunc(c.plan, func(p planned) bool { return p.metric.Key == key })
		if i < 0 {
			if _, ok := catalog.Metric(key); ok {
				bad("learned_directions."+key, "the scorecard does not use metric %s", key)
			} else {
				bad("learned_directions."+key, "unknown metric%s", didYouMean(key, catalog.Keys()))
			}
			continue
		}
		m := &c.plan[i].metric
		if hib := c.LearnedDirections[key]; hib != m.HigherIsBetter {
			m.HigherIsBetter = hib
			if m.Normalisation == NormAbsolute {
				mapping := slices.Clone(m.Mapping)
				for j := range mapping {
					mapping[j].Score = 100 - mapping[j].Score
				}
				m.Mapping = mapping
			}
		}
		m.DirectionFrom = DirectionLearned
	}
}

// replan resolves the scorecard's plan over catalog with its own overrides
// (staleness, learned directions) on top; every change of catalog goes
// through here, so no override is lost when metrics are added.
func (c *Scorecard) replan(catalog Catalog, bad func(field, format string, args ...any)) {
	c.plan = planFor(catalog, c.Families, c.Metrics)
	applyStaleness(c, catalog, bad)
	applyLearnedDirections(c, catalog, bad)
}
