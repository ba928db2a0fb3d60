package scoring

import (
	"fmt"
	"slices"
	"strings"
)

// NotEnoughData says why an account has no score (BandNone) and what to
// do about it. Metrics are named by label, families by name.
type NotEnoughData struct {
	Confidence    float64 `json:"confidence"`     // share of the weight with data
	MinConfidence float64 `json:"min_confidence"` // what the scorecard needs
	// Missing are weighted metrics some account has but this one lacks.
	Missing []string `json:"missing,omitempty"`
	// TooOld are weighted metrics whose data is too old to count.
	TooOld []string `json:"too_old,omitempty"`
	// Families are weighted families in which the account has nothing that counts.
	Families []Family `json:"families,omitempty"`
	// Waiting are metrics with data whose direction is unknown, so they
	// do not count yet.
	Waiting []string `json:"waiting,omitempty"`
	// Next is the next step, in words.
	Next string `json:"next"`
}

// Words is the explanation as one sentence:
// "not enough data: 30% of the scorecard's weight has data (needs 50%); missing Active users, CSAT (no usage data). Next: …".
func (n NotEnoughData) Words() string {
	var b strings.Builder
	b.WriteString("not enough data: ")
	switch {
	case len(n.Missing) == 0 && len(n.TooOld) == 0 && n.Confidence == 0:
		b.WriteString("no metric with a known direction has data")
	default:
		fmt.Fprintf(&b, "%.0f%% of the scorecard's weight has data (needs %.0f%%)", 100*n.Confidence, 100*n.MinConfidence)
	}
	if len(n.Missing) > 0 {
		b.WriteString("; missing " + strings.Join(n.Missing, ", "))
	}
	if len(n.TooOld) > 0 {
		b.WriteString("; too old to count: " + strings.Join(n.TooOld, ", "))
	}
	if len(n.Families) > 0 {
		fs := make([]string, len(n.Families))
		for i, f := range n.Families {
			fs[i] = string(f)
		}
		b.WriteString(" (no " + strings.Join(fs, " or ") + " data)")
	}
	if len(n.Waiting) > 0 {
		b.WriteString("; waiting for a direction: " + strings.Join(n.Waiting, ", "))
	}
	b.WriteString(". Next: " + n.Next)
	return b.String()
}

// gapList collects, while one account is scored, the weighted metrics it
// lacks, those too old to count and those waiting for a direction.
type gapList struct {
	missing, stale, waiting []planned
}

// explain turns the gaps of an unscored account into its explanation.
// portfolioWaiting lists the metrics some account has whose direction is
// unknown (named when nothing with a known direction has data).
func (g gapList) explain(card Scorecard, confidence float64, fam [4]famAcc, portfolioWaiting []string) *NotEnoughData {
	n := &NotEnoughData{Confidence: confidence, MinConfidence: card.MinConfidence}
	for _, p := range g.missing {
		n.Missing = append(n.Missing, p.metric.Label)
	}
	for _, p := range g.stale {
		n.TooOld = append(n.TooOld, p.metric.Label)
	}
	for _, p := range g.waiting {
		if !p.metric.Candidate {
			n.Waiting = append(n.Waiting, p.metric.Label)
		}
	}
	nominal := 0.0
	for f, name := range Families {
		nominal += fam[f].nominal
		if fam[f].nominal > 0 && card.Families[name] > 0 && fam[f].fresh == 0 {
			n.Families = append(n.Families, name)
		}
	}
	switch {
	case nominal == 0 && len(portfolioWaiting) > 0:
		if len(n.Waiting) == 0 {
			n.Waiting = slices.Clone(portfolioWaiting)
		}
		n.Next = "give these metrics a direction: declare it in a scorecard (higher_is_better), " +
			"or let healthbot learn it from churn once enough accounts have churned (HEALTHBOT_MIN_CHURNED)"
	case nominal == 0:
		n.Next = "no account has data for any metric of scorecard " + card.Name + ": import signals (`healthbot import signals`)"
	case len(n.Missing)+len(n.TooOld) > 0:
		n.Next = "send " + strings.Join(append(slices.Clone(n.Missing), n.TooOld...), ", ") +
			" for this account, or lower min_confidence of scorecard " + card.Name
	default:
		n.Next = "lower min_confidence of scorecard " + card.Name
	}
	return n
}
