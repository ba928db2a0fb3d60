package healthtest

import (
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// World is a small portfolio covering every /health case: an exact name
// that is also a prefix of another, accents, a duplicate name, a churned
// account, an unscored one, red, yellow falling, green rising, renewals.
type World struct {
	Jane, Bob                      scoring.CSM // Jane has a Slack id; Bob only an email
	Acme, AcmeLabs, SocGen, Globex scoring.Account
	Initech, Umbrella, OldCo       scoring.Account
	HooliUS, HooliEU, MoversInc    scoring.Account
}

// Seed writes the World; now should be a fixed test time.
func (f *Fixture) Seed() World {
	f.T.Helper()
	var w World
	w.Jane = f.CSM("jane@example.com", "U0JANE", "Jane Doe")
	w.Bob = f.CSM("bob@example.com", "", "Bob Stone")
	acc := func(name, domain, ext, seg string, owner scoring.CSM, mrr float64, renewIn int) scoring.Account {
		a := scoring.Account{Name: name, Domain: domain, ExternalID: ext, Segment: seg, Owner: owner, MRR: mrr, Seats: 40, Plan: "Scale"}
		if renewIn != 0 {
			a.RenewalDate = f.Day(-renewIn)
		}
		return f.Account(a)
	}
	w.Acme = acc("Acme", "acme.io", "crm-1", "SMB", w.Jane, 4200, 120)
	w.AcmeLabs = acc("Acme Labs", "acmelabs.com", "crm-2", "Enterprise", w.Jane, 25000, 200)
	w.SocGen = acc("Société Générale", "socgen.fr", "crm-77", "Enterprise", w.Bob, 31000, 0)
	w.Globex = acc("Globex Corporation", "globex.com", "crm-4", "Mid-Market", w.Bob, 9000, 0)
	w.Initech = acc("Initech", "initech.com", "crm-5", "SMB", scoring.CSM{}, 1500, 30)
	w.Umbrella = acc("Umbrella", "umbrella.com", "crm-6", "Enterprise", w.Jane, 18000, 60)
	w.OldCo = f.Account(scoring.Account{Name: "Old Co", ExternalID: "crm-9", Segment: "SMB", Owner: w.Jane, ChurnedAt: f.Day(100)})
	w.HooliUS = acc("Hooli", "hooli.com", "hooli-us", "Enterprise", w.Bob, 12000, 0)
	w.HooliEU = acc("Hooli", "hooli.eu", "hooli-eu", "Mid-Market", w.Bob, 7000, 0)
	w.MoversInc = acc("Movers Inc", "movers.example", "crm-10", "SMB", w.Bob, 800, 0)

	f.Series(w.Acme.ID, Ramp(60, 80, 35)...)                                // red, falling
	f.Series(w.AcmeLabs.ID, Ramp(60, 82, 82)...)                            // green, flat
	f.Series(w.SocGen.ID, Ramp(60, 55, 55)...)                              // yellow, flat
	f.Series(w.Globex.ID, append(Ramp(31, 65, 65), Ramp(29, 63, 50)...)...) // yellow, down 15 in 28 days
	f.Series(w.Umbrella.ID, Ramp(60, 40, 75)...)                            // rising into green
	f.Series(w.HooliUS.ID, Ramp(10, 70, 71)...)
	f.Series(w.HooliEU.ID, Ramp(10, 45, 44)...)
	f.Series(w.MoversInc.ID, Ramp(10, 60, 60)...)
	f.Series(w.OldCo.ID, Ramp(5, 20, 10)...)
	// Acme's newest score carries subscores and drivers.
	f.Score(scoring.Score{
		AccountID: w.Acme.ID, AsOf: f.Day(0), Scorecard: "default", Value: 35, Band: scoring.BandRed, Confidence: 0.8,
		Subscores: map[scoring.Family]float64{scoring.FamilyUsage: 21, scoring.FamilyEngagement: 44, scoring.FamilyPulse: 50},
		Drivers: []scoring.Contribution{
			{Metric: "active_users", Family: scoring.FamilyUsage, Label: "Active users", Score: 12, Weight: 0.3, Contribution: -11.4,
				Detail: "12th percentile of SMB peers — 4 of 40 seats active"},
			{Metric: "nps", Family: scoring.FamilyEngagement, Label: "NPS", Score: 70, Weight: 0.1, Contribution: 2,
				Detail: "NPS 30, 70th percentile"},
		},
	})
	f.Pulse(scoring.Pulse{AccountID: w.Acme.ID, CSMID: w.Jane.ID, Rating: scoring.RatingConcerning,
		Reasons: []string{"champion_left"}, Note: "Champion left; new VP unsure.", AnsweredAt: f.Now.Add(-2 * time.Hour)})
	f.Pulse(scoring.Pulse{AccountID: w.Umbrella.ID, CSMID: w.Jane.ID, Rating: scoring.RatingHealthy, AnsweredAt: f.Now.AddDate(0, 0, -8)})
	f.Alert(w.Acme.ID, "turned_red", "48 → 35 in 14 days: active users −9", "open", f.Now.AddDate(0, 0, -3))
	f.Alert(w.Acme.ID, "trend_drop", "an old, resolved alert", "resolved", f.Now.AddDate(0, 0, -40))
	return w
}
