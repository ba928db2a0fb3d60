package scoring

import (
	"testing"
	"time"
)

var asOf = time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)

// testCatalog is a small catalog whose arithmetic is easy to follow:
// one usage metric, two engagement metrics (one absolute) and the pulse.
func testCatalog(t *testing.T) Catalog {
	t.Helper()
	c, err := NewCatalog(
		Metric{Key: "logins", Family: FamilyUsage, Label: "Logins", Unit: UnitCount, HigherIsBetter: true,
			Feature: FeatureSum, WindowDays: 28, Normalisation: NormPeerPercentile, Weight: 1},
		Metric{Key: "tickets", Family: FamilyEngagement, Label: "Tickets", Unit: UnitCount, HigherIsBetter: false,
			Feature: FeatureSum, WindowDays: 28, Normalisation: NormPeerPercentile, Weight: 1},
		Metric{Key: "nps", Family: FamilyEngagement, Label: "NPS", Unit: UnitScore, HigherIsBetter: true,
			Feature: FeatureLatest, Normalisation: NormAbsolute, Weight: 1,
			Mapping: []Point{{Value: -100, Score: 0}, {Value: 100, Score: 100}}, Text: "NPS {value}"},
		Metric{Key: "pulse", Family: FamilyPulse, Label: "CSM pulse", Unit: UnitRating, HigherIsBetter: true,
			Feature: FeatureLatest, Normalisation: NormAbsolute, Weight: 1, StaleAfterDays: 30, FreshDays: 14,
			Mapping: []Point{{Value: 0, Score: 10}, {Value: 1, Score: 50}, {Value: 2, Score: 90}}, Text: "rated {value}"},
	)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// testCard weighs usage 50, engagement 30, pulse 20 (contract has no metrics).
func testCard(mods ...func(*Scorecard)) Scorecard {
	c := Scorecard{
		Name:          "test",
		Families:      map[Family]float64{FamilyUsage: 50, FamilyEngagement: 30, FamilyPulse: 20, FamilyContract: 0},
		Bands:         DefaultBands(),
		MinConfidence: 0.5,
		MinPeers:      3,
	}
	for _, m := range mods {
		m(&c)
	}
	return c
}

func testScorecards(t *testing.T, cards ...Scorecard) Scorecards {
	t.Helper()
	if len(cards) == 0 {
		cards = []Scorecard{testCard()}
	}
	s, err := NewScorecards(testCatalog(t), cards...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func account(id int64, segment string) Account {
	return Account{ID: id, Name: "acct", Segment: segment, StartedAt: asOf.AddDate(-1, 0, 0)}
}

// feats builds a FeatureSet row from metric → value pairs, all fresh.
func feats(kv map[string]float64) map[string]FeatureValue {
	row := make(map[string]FeatureValue, len(kv))
	for k, v := range kv {
		row[k] = FeatureValue{Value: v}
	}
	return row
}

func scoreOf(t *testing.T, scores []Score, id int64) Score {
	t.Helper()
	for _, s := range scores {
		if s.AccountID == id {
			return s
		}
	}
	t.Fatalf("no score for account %d", id)
	return Score{}
}

func driver(t *testing.T, s Score, metric string) Contribution {
	t.Helper()
	for _, c := range s.Drivers {
		if c.Metric == metric {
			return c
		}
	}
	t.Fatalf("account %d has no driver %q: %+v", s.AccountID, metric, s.Drivers)
	return Contribution{}
}
