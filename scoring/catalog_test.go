package scoring

import (
	"strings"
	"testing"
)

// The demo and the intake write these signal keys; the catalog must read them.
func TestBuiltinCatalogReadsTheAgreedSignals(t *testing.T) {
	t.Parallel()
	type spec struct {
		signal  string
		family  Family
		feature Feature
		window  int
		higher  bool
		norm    Normalisation
		weight  float64
	}
	want := map[string]spec{
		"active_user_ratio":        {"active_user_ratio", FamilyUsage, FeatureLatest, 0, true, NormPeerPercentile, 3},
		"licence_change":           {"seats_used", FamilyUsage, FeatureChange, 28, true, NormPeerPercentile, 2},
		"key_feature_adoption":     {"key_feature_adoption", FamilyUsage, FeatureMean, 28, true, NormPeerPercentile, 2},
		"days_since_admin_seen":    {"days_since_admin_seen", FamilyUsage, FeatureLatest, 0, false, NormPeerPercentile, 1},
		"session_gap_days":         {"session_gap_days", FamilyUsage, FeatureMean, 28, false, NormPeerPercentile, 1},
		"support_tickets":          {"support_tickets", FamilyEngagement, FeatureSum, 28, false, NormPeerPercentile, 1},
		"csat":                     {"csat", FamilyEngagement, FeatureMean, 90, true, NormPeerPercentile, 1},
		"nps":                      {"nps", FamilyEngagement, FeatureLatest, 180, true, NormAbsolute, 1},
		"customer_messages":        {"customer_messages", FamilyEngagement, FeatureSum, 28, true, NormPeerPercentile, 1},
		"first_response_minutes":   {"first_response_minutes", FamilyEngagement, FeatureMean, 28, false, NormPeerPercentile, 1},
		"negative_sentiment_share": {"negative_sentiment_share", FamilyEngagement, FeatureMean, 28, false, NormPeerPercentile, 1},
		"days_since_touchpoint":    {"touchpoint", FamilyEngagement, FeatureDaysSince, 90, false, NormPeerPercentile, 0},
		"pulse":                    {"pulse", FamilyPulse, FeatureLatest, 0, true, NormAbsolute, 1},
		"mrr_change":               {"mrr", FamilyContract, FeatureChange, 90, true, NormPeerPercentile, 1},
		"late_invoices":            {"late_invoices", FamilyContract, FeatureSum, 90, false, NormPeerPercentile, 1},
		"days_to_renewal":          {"days_to_renewal", FamilyContract, FeatureLatest, 0, true, NormPeerPercentile, 0},
	}
	cat := DefaultCatalog()
	if cat.Len() != len(want) {
		t.Fatalf("catalog has %d metrics: %v", cat.Len(), cat.Keys())
	}
	for key, w := range want {
		m, ok := cat.Metric(key)
		got := spec{m.SignalKey(), m.Family, m.Feature, m.WindowDays, m.HigherIsBetter, m.Normalisation, m.Weight}
		if !ok || got != w {
			t.Errorf("%s = %+v, want %+v", key, got, w)
		}
	}
	pulse, _ := cat.Metric("pulse")
	for v, score := range map[float64]float64{PulseValuePoor: 10, PulseValueConcerning: 50, PulseValueHealthy: 90} {
		if got := pulse.MapAbsolute(v); got != score {
			t.Errorf("pulse %v → %v, want %v", v, got, score)
		}
	}
	nps, _ := cat.Metric("nps")
	for v, score := range map[float64]float64{-100: 0, 0: 50, 100: 100, 20: 60} {
		if got := nps.MapAbsolute(v); got != score {
			t.Errorf("nps %v → %v, want %v", v, got, score)
		}
	}
}

func TestMapAbsoluteInterpolatesAndClamps(t *testing.T) {
	t.Parallel()
	m := Metric{Mapping: []Point{{Value: 0, Score: 10}, {Value: 1, Score: 50}, {Value: 2, Score: 90}}}
	for v, want := range map[float64]float64{-5: 10, 0: 10, 0.5: 30, 1: 50, 1.75: 80, 2: 90, 9: 90} {
		if got := m.MapAbsolute(v); got != want {
			t.Errorf("MapAbsolute(%v) = %v, want %v", v, got, want)
		}
	}
}

func TestStaleness(t *testing.T) {
	t.Parallel()
	pulse := Metric{StaleAfterDays: 30, FreshDays: 14}
	halfway := Metric{StaleAfterDays: 20} // fresh for the first half by default
	tests := []struct {
		m    Metric
		age  float64
		want float64
	}{
		{pulse, 0, 1}, {pulse, 14, 1}, {pulse, 22, 0.5}, {pulse, 26, 0.25}, {pulse, 30, 0}, {pulse, 90, 0},
		{halfway, 10, 1}, {halfway, 15, 0.5}, {halfway, 20, 0},
		{Metric{}, 1000, 1}, // never stale
	}
	for _, tc := range tests {
		if got := tc.m.Staleness(tc.age); got != tc.want {
			t.Errorf("stale after %d (fresh %d), age %v: %v, want %v", tc.m.StaleAfterDays, tc.m.FreshDays, tc.age, got, tc.want)
		}
	}
}

func TestCatalogRejectsDuplicatesAndBadMetrics(t *testing.T) {
	t.Parallel()
	good := Metric{Key: "x", Family: FamilyUsage, Label: "X", Feature: FeatureLatest, Normalisation: NormPeerPercentile}
	if _, err := NewCatalog(good, good); err == nil || !strings.Contains(err.Error(), `metric "x": defined twice`) {
		t.Fatalf("duplicate: %v", err)
	}
	bad := good
	bad.Key, bad.FreshDays, bad.StaleAfterDays = "Bad Key", 10, 5
	err := bad.Validate()
	if err == nil || !strings.Contains(err.Error(), "key: \"Bad Key\" must be lower_snake_case") || !strings.Contains(err.Error(), "fresh_days: must be between 0 and stale_after_days (5)") {
		t.Fatalf("bad metric: %v", err)
	}
}
