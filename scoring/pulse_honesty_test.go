package scoring

import (
	"testing"
	"time"
)

func TestPulseHonestyFlagsMostlyGreen(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var obs []PulseObservation
	// Maya: 10 accounts, always Healthy, 4 of them red in the data.
	for i := range 10 {
		band := BandGreen
		if i < 4 {
			band = BandRed
		}
		obs = append(obs, PulseObservation{CSMID: 1, CSMName: "Maya", AccountID: int64(i + 1), Rating: RatingHealthy, DataBand: band, AnsweredAt: day})
	}
	// Sam: agrees with the data, 1 red of 10.
	for i := range 10 {
		band, rating := BandGreen, RatingHealthy
		if i == 0 {
			band, rating = BandRed, RatingPoor
		}
		obs = append(obs, PulseObservation{CSMID: 2, CSMName: "Sam", AccountID: int64(100 + i), Rating: rating, DataBand: band, AnsweredAt: day})
	}
	rs := PulseHonesty(obs, 90*24*time.Hour, HonestyThresholds{Healthy: 0.85, Red: 0.30})
	if len(rs) != 2 || rs[0].CSMName != "Maya" || rs[1].CSMName != "Sam" {
		t.Fatalf("reports = %+v", rs)
	}
	maya, sam := rs[0], rs[1]
	if !maya.MostlyGreen || maya.Healthy != 1 || maya.RedAccounts != 0.4 || maya.Disagree != 0.4 {
		t.Errorf("maya = %+v, want flagged, 100 %% healthy, 40 %% red, 40 %% disagreeing", maya)
	}
	if sam.MostlyGreen || sam.Disagree != 0 || sam.Poor != 0.1 {
		t.Errorf("sam = %+v, want not flagged, agreeing, 10 %% poor", sam)
	}
	if maya.Judged || sam.Judged {
		t.Errorf("no churn: nothing to judge, got %v %v", maya.Judged, sam.Judged)
	}
}

func TestPulseHonestyJudgesChurnRanking(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var obs []PulseObservation
	// Poor on the 4 that churn within 90 days, Healthy on the 6 that stay;
	// one churns after the horizon and counts as retained.
	for i := range 10 {
		o := PulseObservation{CSMID: 7, CSMName: "Ada", AccountID: int64(i + 1), Rating: RatingHealthy, DataBand: BandGreen, AnsweredAt: day}
		switch {
		case i < 4:
			o.Rating, o.ChurnedAt = RatingPoor, day.AddDate(0, 1, 0)
		case i == 4:
			o.ChurnedAt = day.AddDate(0, 6, 0)
		}
		obs = append(obs, o)
	}
	r := PulseHonesty(obs, 90*24*time.Hour, HonestyThresholds{Healthy: 0.85, Red: 0.30})[0]
	if !r.Judged || r.Churned != 4 || r.AUC != 1 {
		t.Fatalf("report = %+v, want judged, 4 churned, AUC 1", r)
	}
	if r.CI[0] > r.AUC || r.CI[1] < r.AUC {
		t.Errorf("CI %v does not hold the AUC %v", r.CI, r.AUC)
	}
	// Too few churned: not judged.
	few := PulseHonesty(obs[2:], 90*24*time.Hour, HonestyThresholds{Healthy: 0.85, Red: 0.30})[0]
	if few.Judged {
		t.Errorf("2 churned judged: %+v", few)
	}
}

func TestAlertPriorityOrdersSeverityMRRAndRenewal(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	small := Account{MRR: 500}
	big := Account{MRR: 50000}
	renewing := Account{MRR: 500, RenewalDate: now.AddDate(0, 0, 10)}
	cases := []struct {
		name     string
		hiK, loK AlertKind
		hiA, loA Account
	}{
		{"severity", AlertTurnedRed, AlertExpansion, small, small},
		{"mrr", AlertTrendDrop, AlertTrendDrop, big, small},
		{"renewal", AlertTrendDrop, AlertTrendDrop, renewing, small},
	}
	for _, c := range cases {
		hi, lo := AlertPriority(c.hiK, c.hiA, now), AlertPriority(c.loK, c.loA, now)
		if hi <= lo {
			t.Errorf("%s: %v ≤ %v", c.name, hi, lo)
		}
	}
}

func TestNoisyRuleIsMarkedNotUsefulMoreThanHalfTheTime(t *testing.T) {
	t.Parallel()
	cases := []struct {
		f    AlertRuleFeedback
		want bool
	}{
		{AlertRuleFeedback{Fired: 4, NotUseful: 2}, false},
		{AlertRuleFeedback{Fired: 4, NotUseful: 3}, true},
		{AlertRuleFeedback{Fired: 0, NotUseful: 0}, false},
	}
	for _, c := range cases {
		if got := c.f.Noisy(); got != c.want {
			t.Errorf("%+v: Noisy = %v, want %v", c.f, got, c.want)
		}
	}
	if got := AlertThreshold(AlertTrendDrop, DefaultAlertRules()); got != "alerts.trend_drop_points: 15 (within trend_drop_days: 14)" {
		t.Errorf("threshold = %q", got)
	}
}
