package scoring

import "testing"

func TestDefaultScorecardsParse(t *testing.T) {
	t.Parallel()
	scs := DefaultScorecards()
	if got := len(scs.All()); got != 1 {
		t.Fatalf("default scorecards: got %d, want 1", got)
	}
	c := scs.For(Account{Segment: "Enterprise"})
	if c.Name != DefaultScorecardName || c.MinPeers != 8 || c.MinConfidence != 0.5 || c.Bands != DefaultBands() {
		t.Fatalf("default scorecard = %+v", c)
	}
	if c.Metrics["days_to_renewal"] != 0 || c.Metrics["active_user_ratio"] != 3 {
		t.Fatalf("default metric weights = %v", c.Metrics)
	}
	if scs.Catalog().Len() != DefaultCatalog().Len() {
		t.Fatalf("catalog has %d metrics, want %d", scs.Catalog().Len(), DefaultCatalog().Len())
	}
}
