package scoring

import (
	"strings"
	"testing"
)

const stalenessYAML = `
scorecards:
  - name: default
    staleness:
      pulse: {fresh_days: 30, stale_after_days: 60}
`

func pulsePlanned(t *testing.T, c Scorecard) Metric {
	t.Helper()
	for _, p := range c.plan {
		if p.metric.Key == "pulse" {
			return p.metric
		}
	}
	t.Fatal("the scorecard does not plan the pulse metric")
	return Metric{}
}

func TestStalenessOverrideStretchesThePulse(t *testing.T) {
	t.Parallel()
	def := pulsePlanned(t, DefaultScorecard())
	if def.StaleAfterDays != 30 || def.FreshDays != 14 {
		t.Fatalf("built-in pulse staleness = %d/%d, want 14/30", def.FreshDays, def.StaleAfterDays)
	}
	if got := def.Staleness(40); got != 0 {
		t.Fatalf("by default a 40-day-old pulse counts %.2f, want 0", got)
	}
	s, err := ParseScorecards([]byte(stalenessYAML))
	if err != nil {
		t.Fatal(err)
	}
	m := pulsePlanned(t, s.For(Account{}))
	if m.FreshDays != 30 || m.StaleAfterDays != 60 {
		t.Fatalf("overridden pulse staleness = %d/%d, want 30/60", m.FreshDays, m.StaleAfterDays)
	}
	if got := m.Staleness(45); got != 0.5 {
		t.Errorf("a 45-day-old pulse counts %.2f, want 0.5", got)
	}
	if cat, _ := s.Catalog().Metric("pulse"); cat.StaleAfterDays != 30 {
		t.Errorf("the shared catalog changed (%d); overrides are per scorecard", cat.StaleAfterDays)
	}

	// The override survives writing the scorecards back.
	out, err := FormatScorecards(s.All(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "stale_after_days: 60") {
		t.Errorf("formatted file lost the override:\n%s", out)
	}
}

func TestStalenessOverrideErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ yaml, want string }{
		{"staleness: {pulze: {stale_after_days: 60}}", `scorecard "default": staleness.pulze: unknown metric (did you mean pulse?)`},
		{"staleness: {pulse: {fresh_days: 60, stale_after_days: 30}}", "staleness.pulse.fresh_days: must be between 0 and stale_after_days (30)"},
		{"staleness: {pulse: {stale_after_days: -1}}", "staleness.pulse.stale_after_days: must not be negative"},
		{"staleness: {pulse: {stale_after_dayz: 3}}", "stale_after_dayz"},
		{"metrics: {days_to_renewal: 0}\n    staleness: {nps: {stale_after_days: 9}}", ""},
	} {
		_, err := ParseScorecards([]byte("scorecards:\n  - name: default\n    " + tt.yaml + "\n"))
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%s: %v", tt.yaml, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%s: error %v, want it to contain %q", tt.yaml, err, tt.want)
		}
	}
}
