package scoring

import "fmt"

// Disagreement is a CSM's pulse that contradicts the data: a Healthy pulse
// on a red account or a Poor pulse on a green one. Either the CSM knows
// something the data does not, or the data shows what the CSM missed; both
// deserve a look.
type Disagreement struct {
	AccountID int64
	Score     float64
	Band      Band
	Rating    Rating
	Week      string
}

// Text says the disagreement in one line for the card and the digest.
func (d Disagreement) Text() string {
	return fmt.Sprintf("Pulse says %s but the score is %.0f (%s)", d.Rating, d.Score, d.Band)
}

// PulseDisagrees reports whether a pulse contradicts a score. A pulse
// older than maxAgeDays at the score's date no longer counts.
func PulseDisagrees(s Score, p *Pulse, maxAgeDays int) (Disagreement, bool) {
	if p == nil || !s.HasScore() {
		return Disagreement{}, false
	}
	if maxAgeDays > 0 && s.AsOf.Sub(p.AnsweredAt).Hours() > float64(24*maxAgeDays) {
		return Disagreement{}, false
	}
	contradicts := (p.Rating == RatingHealthy && s.Band == BandRed) || (p.Rating == RatingPoor && s.Band == BandGreen)
	if !contradicts {
		return Disagreement{}, false
	}
	return Disagreement{AccountID: s.AccountID, Score: s.Value, Band: s.Band, Rating: p.Rating, Week: p.Week}, true
}
