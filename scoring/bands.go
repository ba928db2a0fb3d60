package scoring

import "fmt"

// BandMode says how a scorecard turns scores into bands.
type BandMode string

const (
	// BandsFixed compares the score with the Green and Yellow thresholds.
	BandsFixed BandMode = "fixed"
	// BandsQuartiles bands by rank among the scorecard's accounts that day:
	// the worst quarter red, the best quarter green, the middle half yellow.
	BandsQuartiles BandMode = "quartiles"
)

// Bands is a scorecard's banding rule.
type Bands struct {
	Mode   BandMode
	Green  float64 // fixed: score ≥ Green is green
	Yellow float64 // fixed: score ≥ Yellow is yellow, below is red
}

// DefaultBands are green ≥ 70, yellow 40–69, red < 40.
func DefaultBands() Bands { return Bands{Mode: BandsFixed, Green: 70, Yellow: 40} }

// Fixed bands a score by the thresholds (whatever the mode).
func (b Bands) Fixed(score float64) Band {
	switch {
	case score >= b.Green:
		return BandGreen
	case score >= b.Yellow:
		return BandYellow
	}
	return BandRed
}

// QuartileBand bands a score by its mid-rank percentile among the day's
// scores of the same scorecard: < 25 red, ≥ 75 green, yellow between.
func QuartileBand(percentile float64) Band {
	switch {
	case percentile >= 75:
		return BandGreen
	case percentile < 25:
		return BandRed
	}
	return BandYellow
}

// validate returns the problem with the bands, field by field (YAML names).
func (b Bands) validate() (field, problem string) {
	switch b.Mode {
	case BandsQuartiles:
		return "", ""
	case BandsFixed:
	default:
		return "bands", fmt.Sprintf("unknown mode %q (fixed thresholds or quartiles)", b.Mode)
	}
	switch {
	case b.Green <= 0 || b.Green > 100:
		return "bands.green", fmt.Sprintf("%g is outside 0–100", b.Green)
	case b.Yellow <= 0 || b.Yellow > 100:
		return "bands.yellow", fmt.Sprintf("%g is outside 0–100", b.Yellow)
	case b.Yellow >= b.Green:
		return "bands", fmt.Sprintf("thresholds out of order: yellow (%g) must be below green (%g)", b.Yellow, b.Green)
	}
	return "", ""
}

// applyQuartiles re-bands the scored entries of each quartile scorecard by
// rank among that scorecard's scores.
func applyQuartiles(scores []Score, cards []Scorecard, cardOf []int) {
	byCard := map[int][]int{}
	for i, s := range scores {
		c := cardOf[i]
		if cards[c].Bands.Mode == BandsQuartiles && s.HasScore() {
			byCard[c] = append(byCard[c], i)
		}
	}
	for _, idx := range byCard {
		vals := make([]float64, len(idx))
		for j, i := range idx {
			vals[j] = scores[i].Value
		}
		r := NewRanked(vals)
		for _, i := range idx {
			scores[i].Band = QuartileBand(r.Percentile(scores[i].Value, true))
		}
	}
}
