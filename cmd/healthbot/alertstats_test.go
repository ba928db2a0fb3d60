package main

import (
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func TestAlertStatsNamesTheRuleToTuneAndTheDMDistribution(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	stats := []store.AlertRuleStats{
		{Kind: scoring.AlertTrendDrop, Fired: 4, Acknowledged: 1, AckMedian: 90 * time.Minute, Snoozed: 1, NotUseful: 3, Reasons: []string{"seasonal"}},
		{Kind: scoring.AlertTurnedRed, Fired: 2, Acknowledged: 2, AckMedian: time.Hour},
	}
	dms := []store.DMsPerUserWeek{{UserID: "U1", Week: "2026-W48", DMs: 8, Summary: 3}, {UserID: "U2", Week: "2026-W48", DMs: 2}}
	if err := printAlertStats(&b, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), stats, dms, scoring.DefaultAlertRules(), 8); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"trend_drop  4      1             1h30m0s             1        3",
		"Score dropping is marked not useful 3 of 4 times: tune alerts.trend_drop_points: 15 (within trend_drop_days: 14) (reasons: [\"seasonal\"])",
		"Alert DMs per person and week (budget 8 a week): 2 person-weeks, min 2, median 8, max 8, over budget 0",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "Turned red is marked") {
		t.Errorf("a rule nobody marked is named:\n%s", out)
	}
}
