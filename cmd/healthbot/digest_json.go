package main

import (
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// digestJSON is what `digest --json` prints: the digest's figures, for
// scripts, named in the wire format rather than Go's (scoring.Digest may
// grow or be renamed; this is the contract).
type digestJSON struct {
	Week           string             `json:"week"`       // ISO week, 2026-W49
	PulseWeek      string             `json:"pulse_week"` // the week whose pulse completion is shown
	ScoresAsOf     string             `json:"scores_as_of,omitempty"`
	ScoredAccounts int                `json:"scored_accounts"`
	NotEnoughData  int                `json:"not_enough_data"`
	Bands          map[string]int     `json:"bands"`
	BandsLastWeek  map[string]int     `json:"bands_last_week"`
	Down           []digestMoverJSON  `json:"down"`
	Up             []digestMoverJSON  `json:"up"`
	NewlyRed       []digestMoverJSON  `json:"newly_red"`
	Renewals       []digestRenewJSON  `json:"renewals_at_risk"`
	MRRAtRisk      float64            `json:"mrr_at_risk"`
	Expansion      []digestExpandJSON `json:"expansion"`
	Pulse          []digestPulseJSON  `json:"pulse"`
	Disagreements  []digestDisagree   `json:"disagreements"`
}

type digestAccountJSON struct {
	ExternalID string `json:"external_id"`
	Name       string `json:"name"`
}

type digestMoverJSON struct {
	Account digestAccountJSON `json:"account"`
	From    float64           `json:"from"`
	To      float64           `json:"to"`
	Delta   float64           `json:"delta"`
	Band    string            `json:"band"`
}

type digestRenewJSON struct {
	Account digestAccountJSON `json:"account"`
	Days    int               `json:"days"` // until the renewal
	Score   float64           `json:"score"`
	Band    string            `json:"band"`
}

type digestExpandJSON struct {
	Account digestAccountJSON `json:"account"`
	Reason  string            `json:"reason"`
}

type digestPulseJSON struct {
	CSM      string `json:"csm"` // the CSM's email
	Answered int    `json:"answered"`
	Total    int    `json:"total"`
}

type digestDisagree struct {
	Account digestAccountJSON `json:"account"`
	Score   float64           `json:"score"`
	Band    string            `json:"band"`
	Rating  string            `json:"rating"`
	Week    string            `json:"week"`
}

// newDigestJSON converts the digest; lists are never null.
func newDigestJSON(d scoring.Digest) digestJSON {
	acct := func(a scoring.Account) digestAccountJSON {
		return digestAccountJSON{ExternalID: a.ExternalID, Name: a.Name}
	}
	movers := func(ms []scoring.Mover) []digestMoverJSON {
		out := make([]digestMoverJSON, 0, len(ms))
		for _, m := range ms {
			out = append(out, digestMoverJSON{Account: acct(m.Account), From: m.From, To: m.To, Delta: m.Delta, Band: string(m.Band)})
		}
		return out
	}
	bands := func(m map[scoring.Band]int) map[string]int {
		out := map[string]int{}
		for _, b := range scoring.BandOrder() {
			out[string(b)] = m[b]
		}
		return out
	}
	j := digestJSON{
		Week: d.Week, PulseWeek: d.PulseWeek, ScoredAccounts: d.ScoredAccounts, NotEnoughData: d.NotEnoughData,
		Bands: bands(d.Bands), BandsLastWeek: bands(d.BandsLastWeek),
		Down: movers(d.Down), Up: movers(d.Up), NewlyRed: movers(d.NewlyRed), MRRAtRisk: d.MRRAtRisk,
		Renewals:      make([]digestRenewJSON, 0, len(d.Renewals)),
		Expansion:     make([]digestExpandJSON, 0, len(d.Expansion)),
		Pulse:         make([]digestPulseJSON, 0, len(d.Pulse)),
		Disagreements: make([]digestDisagree, 0, len(d.Disagreements)),
	}
	if !d.ScoresAsOf.IsZero() {
		j.ScoresAsOf = d.ScoresAsOf.Format(time.DateOnly)
	}
	for _, r := range d.Renewals {
		j.Renewals = append(j.Renewals, digestRenewJSON{Account: acct(r.Account), Days: r.Days, Score: r.Score, Band: string(r.Band)})
	}
	for _, x := range d.Expansion {
		j.Expansion = append(j.Expansion, digestExpandJSON{Account: acct(x.Account), Reason: x.Reason})
	}
	for _, p := range d.Pulse {
		j.Pulse = append(j.Pulse, digestPulseJSON{CSM: p.CSM.Email, Answered: p.Answered, Total: p.Total})
	}
	for _, x := range d.Disagreements {
		j.Disagreements = append(j.Disagreements, digestDisagree{Account: acct(d.AccountsByID[x.AccountID]),
			Score: x.Score, Band: string(x.Band), Rating: string(x.Rating), Week: x.Week})
	}
	return j
}
