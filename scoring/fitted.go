package scoring

import (
	"fmt"
	"strings"
)

// fittedScorecards writes every scorecard with the weights and directions
// of its own fit (or the pooled one) and parses the file back, so that the
// Scorecards value calibration uses is exactly what the file scores with.
// Both are zero when no fit is usable.
//
// How a fit becomes a scorecard:
//   - a metric's effective weight is its suggested weight (|coefficient|,
//     normalised): family weight = Σ of its metrics' suggested weights,
//     metric weight within the family = its own; metrics not fitted get 0;
//   - a discovered metric the fit weighs is written as a custom metric
//     (its signal, chosen feature and window: the file says which feature
//     won), with direction_from: learned and the pooled fit's direction;
//   - where a scorecard's fit scores a metric the other way round from its
//     definition (a flipped built-in, or a segment that disagrees with the
//     pooled fit), learned_directions says so for that scorecard.
func fittedScorecards(scs Scorecards, overall FitReport, own map[string]*FitReport, note string) (Scorecards, string) {
	pooled := map[string]FittedWeight{}
	for _, w := range overall.Weights {
		pooled[w.Metric] = w
	}
	var cards []Scorecard
	var lines []string
	used := false
	for _, c := range scs.All() {
		f, src := &overall, "the pooled fit"
		if o := own[c.Name]; o != nil {
			f, src = o, "its own fit"
		}
		if nc, ok := applyFit(c, scs.catalog, f.Weights, pooled); ok && f.Err == "" {
			cards, used = append(cards, nc), true
			lines = append(lines, fmt.Sprintf("scorecard %q: weights from %s (held-out AUC %.2f; current weights %.2f; raw-value reference %.2f)",
				c.Name, src, f.AUCFitted, f.AUCCurrent, f.AUCReference))
		} else {
			cards = append(cards, declaredOnly(c, scs.catalog))
			lines = append(lines, fmt.Sprintf("scorecard %q: unchanged (no usable fit)", c.Name))
		}
	}
	if !used {
		return Scorecards{}, ""
	}
	header := "Fitted by healthbot backtest: L2-regularised logistic regression on the\n" +
		"peer-percentile metric scores, sign free (penalty by cross-validation), " + note + ".\n" +
		"Weights are |coefficients|; learned directions are marked learned.\n" + strings.Join(lines, "\n")
	for _, n := range overall.Notes {
		header += "\n" + n
	}
	b, err := FormatScorecards(cards, header)
	if err != nil {
		return Scorecards{}, ""
	}
	fitted, err := ParseScorecards(b)
	if err != nil {
		return Scorecards{}, ""
	}
	return fitted, string(b)
}

// applyFit sets family and metric weights so that each metric's effective
// weight equals its suggested weight, with the fit's directions; ok is
// false when no metric gets a positive weight.
func applyFit(c Scorecard, cat Catalog, ws []FittedWeight, pooled map[string]FittedWeight) (Scorecard, bool) {
	nc := declaredOnly(c, cat)
	for k := range nc.Metrics {
		nc.Metrics[k] = 0
	}
	fam := map[Family]float64{}
	for f := range c.Families {
		fam[f] = 0
	}
	learned := map[string]bool{}
	for k, v := range c.LearnedDirections {
		if _, ok := nc.Metrics[k]; ok {
			learned[k] = v
		}
	}
	positive := false
	for _, w := range ws {
		m, ok := cat.Metric(w.Metric)
		if !ok || w.Suggested <= 0 {
			continue
		}
		def := m // the definition the file will carry
		if _, declared := nc.Metrics[w.Metric]; !declared {
			if m.Origin != OriginDiscovered {
				continue // not this scorecard's metric
			}
			def = discoveredAsCustom(m, w, pooled)
			nc.CustomMetrics = append(nc.CustomMetrics, def)
		}
		delete(learned, w.Metric)
		if w.HigherIsBetter != def.HigherIsBetter {
			learned[w.Metric] = w.HigherIsBetter
		}
		nc.Metrics[w.Metric] = round(100*w.Suggested, 3)
		fam[w.Family] += 100 * w.Suggested
		positive = positive || nc.Metrics[w.Metric] > 0
	}
	for f, v := range fam {
		fam[f] = round(v, 3)
	}
	nc.Families, nc.LearnedDirections = fam, nil
	if len(learned) > 0 {
		nc.LearnedDirections = learned
	}
	return nc, positive
}

// discoveredAsCustom is a discovered metric as a scorecard declares it,
// in the pooled fit's direction (so that every scorecard defines it alike).
func discoveredAsCustom(m Metric, w FittedWeight, pooled map[string]FittedWeight) Metric {
	m.Origin, m.Candidate, m.Weight = "", false, 1
	m.HigherIsBetter, m.DirectionFrom = w.HigherIsBetter, DirectionLearned
	if p, ok := pooled[m.Key]; ok && p.Suggested > 0 {
		m.HigherIsBetter = p.HigherIsBetter
	}
	return m
}

// declaredOnly is c with only the metrics a file can name: built-ins and
// its custom metrics (discovered ones are added again when scoring).
func declaredOnly(c Scorecard, cat Catalog) Scorecard {
	builtin := DefaultCatalog()
	met := map[string]float64{}
	for k, v := range c.Metrics {
		_, isBuiltin := builtin.Metric(k)
		m, inCat := cat.Metric(k)
		if isBuiltin || (inCat && m.Origin != OriginDiscovered) {
			met[k] = v
		}
	}
	c.Metrics = met // c.plan stays: FormatScorecards writes metrics in its (catalog) order
	return c
}
