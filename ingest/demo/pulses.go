package demo

import (
	"math/rand/v2"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Rating thresholds on the CSM's perception of latent health.
const (
	healthyAbove = -0.6
	poorBelow    = -1.4
)

var troubleReasons = []string{"low_adoption", "support_issues", "product_gaps", "other"}

// pulses appends the weekly pulses the owner gave one account: one per
// complete ISO week the account was a customer, answered at the CSM's rate.
// CSMs see the latent health through their own noise and tend to repeat
// last week's rating.
func (g *generator) pulses(out []scoring.Pulse, pr profile, x []float64, rate float64) []scoring.Pulse {
	r := g.rng(pr.idx, streamPulse)
	var prev scoring.Rating
	for d := range historyDays - 6 {
		monday := g.day(d)
		if monday.Weekday() != time.Monday {
			continue
		}
		answered, noise, sticky := r.Float64() < rate, r.NormFloat64(), r.Float64() < 0.4
		delay := time.Duration(9*3600+r.IntN(72*3600)) * time.Second
		if !answered || !g.alive(pr, d) {
			continue
		}
		perceived := meanOver(x, max(d-1, 0), 7) + 0.45*noise
		rating := ratingFor(perceived)
		if sticky && prev != "" {
			rating = prev
		}
		if csmSeeds[pr.csm].name == MostlyGreenCSM && perceived > poorBelow-1 {
			rating = scoring.RatingHealthy // rates green to avoid questions
		}
		prev = rating
		reasons := g.reasons(r, pr, d, rating)
		out = append(out, scoring.Pulse{
			AccountID:  int64(pr.idx + 1),
			CSMID:      int64(pr.csm + 1),
			CSMName:    csmSeeds[pr.csm].name,
			Rating:     rating,
			Reasons:    reasons,
			Note:       note(r, reasons),
			Week:       scoring.ISOWeek(monday),
			AnsweredAt: monday.Add(delay),
			Source:     Source,
		})
	}
	return out
}

func ratingFor(perceived float64) scoring.Rating {
	switch {
	case perceived > healthyAbove:
		return scoring.RatingHealthy
	case perceived < poorBelow:
		return scoring.RatingPoor
	}
	return scoring.RatingConcerning
}

// reasons picks reason codes that fit the rating and the account's story.
func (g *generator) reasons(r *rand.Rand, pr profile, d int, rating scoring.Rating) []string {
	roll := r.Float64()
	pick := troubleReasons[r.IntN(len(troubleReasons))]
	if rating == scoring.RatingHealthy {
		switch {
		case roll < 0.1 && pr.expandDay != never && d >= pr.expandDay-45:
			return []string{"expanding"}
		case roll < 0.06:
			return []string{"happy_sponsor"}
		}
		return []string{}
	}
	if roll >= 0.6 {
		return []string{}
	}
	if g.decline(pr, d) > 0 && pr.story != "" {
		if roll < 0.12 && pick != pr.story {
			return []string{pr.story, pick}
		}
		return []string{pr.story}
	}
	return []string{pick}
}

func note(r *rand.Rand, reasons []string) string {
	roll, k := r.Float64(), r.IntN(3)
	switch {
	case len(reasons) > 0 && roll < 0.45:
		notes := notesByReason[reasons[0]]
		return notes[k%len(notes)]
	case len(reasons) == 0 && roll < 0.08:
		return notesWithoutReason[k%len(notesWithoutReason)]
	}
	return ""
}
