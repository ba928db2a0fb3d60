package scoring

import (
	"slices"
	"strings"
	"testing"
)

// seats is a usage metric of the test world that accounts may or may not send.
func seats(from DirectionSource, weight float64) Metric {
	return Metric{Key: "seats", Family: FamilyUsage, Label: "Seats", Unit: UnitCount, HigherIsBetter: true,
		Feature: FeatureLatest, Normalisation: NormPeerPercentile, Weight: weight, DirectionFrom: from}
}

// contract is a contract metric in a family of its own.
func contract(from DirectionSource) Metric {
	return Metric{Key: "contract_months", Family: FamilyContract, Label: "Contract length", Unit: UnitCount,
		Feature: FeatureLatest, Normalisation: NormPeerPercentile, Weight: 1, DirectionFrom: from}
}

func TestComputeConfidenceCountsOnlyMetricsWithData(t *testing.T) {
	t.Parallel()
	withContract := func(w *world) {
		w.cards[0].Families[FamilyContract] = 50
		w.cards[0].CustomMetrics = []Metric{seats(DirectionDeclared, 1), contract(DirectionDeclared)}
	}
	tests := []struct {
		name       string
		change     func(w *world)
		value      float64
		confidence float64
		band       Band
	}{
		{"a metric and a family nobody sends are not missing", withContract, 83.875, 1, BandGreen},
		{"a sparse count nobody sends is not zero for everyone", func(w *world) {
			withContract(w)
			w.cards[0].CustomMetrics = append(w.cards[0].CustomMetrics, Metric{Key: "exports", Family: FamilyUsage, Label: "Exports",
				Unit: UnitCount, HigherIsBetter: true, Feature: FeatureSum, WindowDays: 90, AbsentIsZero: true,
				Normalisation: NormPeerPercentile, Weight: 1, DirectionFrom: DirectionDeclared})
		}, 83.875, 1, BandGreen},
		{"a metric another account sends is missing", func(w *world) {
			withContract(w)
			w.features[2]["seats"] = FeatureValue{Value: 10}
		}, 83.875, 0.5/2 + 0.3 + 0.2, BandGreen}, // usage counts half
		{"only the account's own data: a lone sender is still complete", func(w *world) {
			withContract(w)
			w.features[1]["seats"] = FeatureValue{Value: 10}
		}, (50*(87.5+50)/2 + 30*73.75 + 20*90) / 100, 1, BandGreen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := setup(t)
			tc.change(w)
			s := scoreOf(t, w.run(), 1)
			if !near(s.Value, tc.value) || !near(s.Confidence, tc.confidence) || s.Band != tc.band {
				t.Fatalf("got value %v confidence %v band %s; want %v, %v, %s", s.Value, s.Confidence, s.Band, tc.value, tc.confidence, tc.band)
			}
			checkContributions(t, s)
		})
	}
}

func TestComputeUnknownDirectionNeverMovesAScore(t *testing.T) {
	t.Parallel()
	base := scoreOf(t, setup(t).run(), 1)
	for _, weight := range []float64{1, 5} {
		w := setup(t)
		w.cards[0].CustomMetrics = []Metric{seats(DirectionUnknown, weight)}
		for id, v := range map[int64]float64{1: 1, 2: 50, 3: 60, 4: 70} {
			w.features[id]["seats"] = FeatureValue{Value: v}
		}
		s := scoreOf(t, w.run(), 1)
		if !near(s.Value, base.Value) || !near(s.Confidence, base.Confidence) || s.Band != base.Band {
			t.Fatalf("weight %v: score %v conf %v band %s, want %v %v %s", weight, s.Value, s.Confidence, s.Band, base.Value, base.Confidence, base.Band)
		}
		c := driver(t, s, "seats")
		if c.Weight != 0 || c.Contribution != 0 || !c.DirectionUnknown || c.Score != 12.5 {
			t.Fatalf("seats driver = %+v; want weight 0, context, rank 12.5 from low to high", c)
		}
		if !strings.Contains(c.Words(), "direction not known yet") {
			t.Fatalf("words %q do not say the direction is unknown", c.Words())
		}
		checkContributions(t, s)
	}
}

func TestComputeExplainsNotEnoughData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		change   func(w *world)
		missing  []string
		families []Family
		waiting  []string
		next     string
	}{
		{"only NPS", func(w *world) { w.features[1] = feats(map[string]float64{"nps": 20}) },
			[]string{"Logins", "Tickets", "CSM pulse"}, []Family{FamilyUsage, FamilyPulse}, nil, "send Logins, Tickets, CSM pulse for this account"},
		{"no data at all", func(w *world) { delete(w.features, 1) },
			[]string{"Logins", "Tickets", "NPS", "CSM pulse"}, []Family{FamilyUsage, FamilyEngagement, FamilyPulse}, nil, "send Logins"},
		{"a minimum above what is there", func(w *world) {
			w.features[1] = feats(map[string]float64{"logins": 40})
			w.cards[0].MinConfidence = 0.6
		}, []string{"Tickets", "NPS", "CSM pulse"}, []Family{FamilyEngagement, FamilyPulse}, nil, "lower min_confidence of scorecard test"},
		{"only metrics waiting for a direction", func(w *world) {
			w.cards[0].CustomMetrics = []Metric{seats(DirectionUnknown, 1)}
			for id := range w.features {
				w.features[id] = feats(map[string]float64{"seats": float64(id)})
			}
		}, nil, nil, []string{"Seats"}, "declare it in a scorecard"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := setup(t)
			tc.change(w)
			s := scoreOf(t, w.run(), 1)
			if s.HasScore() || s.Unscored == nil {
				t.Fatalf("band %s, explanation %v: want not enough data with an explanation", s.Band, s.Unscored)
			}
			u := s.Unscored
			if !slices.Equal(u.Missing, tc.missing) || !slices.Equal(u.Families, tc.families) || !slices.Equal(u.Waiting, tc.waiting) {
				t.Fatalf("missing %q families %q waiting %q; want %q %q %q", u.Missing, u.Families, u.Waiting, tc.missing, tc.families, tc.waiting)
			}
			if !strings.Contains(u.Next, tc.next) || !strings.Contains(u.Words(), "Next: "+u.Next) {
				t.Fatalf("next step %q (words %q), want it to contain %q", u.Next, u.Words(), tc.next)
			}
		})
	}
}

func TestComputeScoredHasNoExplanation(t *testing.T) {
	t.Parallel()
	for _, s := range setup(t).run() {
		if s.Unscored != nil {
			t.Fatalf("account %d is scored but explains %+v", s.AccountID, s.Unscored)
		}
	}
}
