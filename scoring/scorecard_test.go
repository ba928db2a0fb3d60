package scoring

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const selectionYAML = `
scorecards:
  - name: enterprise
    match: {segments: [Enterprise]}
  - name: enterprise-growth
    match: {segments: [Enterprise], outcomes: [growth]}
  - name: growth
    match:
      outcomes: growth
  - name: everyone
    match: default
`

func TestScorecardSelectionMostSpecificWins(t *testing.T) {
	t.Parallel()
	scs, err := ParseScorecards([]byte(selectionYAML))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		segment, outcome, want string
	}{
		{"Enterprise", "growth", "enterprise-growth"},
		{"Enterprise", "", "enterprise"},
		{"enterprise", "retention", "enterprise"}, // case does not matter
		{"SMB", "Growth", "growth"},
		{"SMB", "", "everyone"},
		{"", "", "everyone"},
	}
	for _, tc := range tests {
		if got := scs.For(Account{Segment: tc.segment, Outcome: tc.outcome}).Name; got != tc.want {
			t.Errorf("segment %q outcome %q: got %q, want %q", tc.segment, tc.outcome, got, tc.want)
		}
	}
}

func TestScorecardsWithoutCatchAllGetTheDefault(t *testing.T) {
	t.Parallel()
	scs, err := ParseScorecards([]byte("scorecards:\n  - name: smb\n    match: {segments: [SMB]}\n    bands: quartiles\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := scs.For(Account{Segment: "Enterprise"}).Name; got != DefaultScorecardName {
		t.Fatalf("unmatched account got %q", got)
	}
	smb := scs.For(Account{Segment: "SMB"})
	if smb.Bands.Mode != BandsQuartiles || smb.MinPeers != DefaultMinPeers || smb.MinConfidence != DefaultMinConfidence {
		t.Fatalf("smb scorecard defaults: %+v", smb)
	}
	if smb.Families[FamilyUsage] != 40 || smb.Metrics["active_user_ratio"] != 3 || smb.Metrics["days_to_renewal"] != 0 {
		t.Fatalf("unnamed weights keep their defaults: %v %v", smb.Families, smb.Metrics)
	}
}

const customYAML = `
scorecards:
  - name: api
    match: {outcomes: [integration]}
    families: {usage: 60}
    metrics: {api_calls: 4, csat: 0}
    custom_metrics:
      - key: api_calls
        family: usage
        label: API calls
        unit: count
        higher_is_better: true
        feature: sum
        window_days: 28
    alerts:
      trend_drop_points: 20
      admin_inactive_days: 45
  - name: default
`

func TestParseCustomMetricsAndAlerts(t *testing.T) {
	t.Parallel()
	scs, err := ParseScorecards([]byte(customYAML))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := scs.Catalog().Metric("api_calls")
	if !ok || m.Normalisation != NormPeerPercentile || m.Weight != 1 || !m.HigherIsBetter {
		t.Fatalf("custom metric = %+v", m)
	}
	api, _ := scs.Get("api")
	if api.Metrics["api_calls"] != 4 || api.Metrics["csat"] != 0 || api.Families[FamilyUsage] != 60 || api.Families[FamilyPulse] != 20 {
		t.Fatalf("api weights: %v %v", api.Families, api.Metrics)
	}
	def, _ := scs.Get("default")
	if _, uses := def.Metrics["api_calls"]; uses {
		t.Fatal("another scorecard's custom metric is used only when named")
	}
	if api.Alerts.TrendDropPoints != 20 || api.Alerts.AdminInactiveDays != 45 {
		t.Fatalf("alerts = %+v", api.Alerts)
	}
	if api.Alerts.TrendDropDays != 14 || api.Alerts.RedHysteresis != DefaultAlertRules().RedHysteresis {
		t.Fatalf("thresholds the file leaves out keep their defaults: %+v", api.Alerts)
	}
	if !reflect.DeepEqual(def.Alerts, DefaultAlertRules()) {
		t.Fatalf("unset alerts = %+v, want the defaults", def.Alerts)
	}

	// The custom metric is scored like any other.
	in := Input{AsOf: asOf, Scorecards: scs, Features: FeatureSet{}}
	for id := int64(1); id <= 3; id++ {
		a := account(id, "")
		a.Outcome = "integration"
		in.Accounts = append(in.Accounts, a)
		in.Features[id] = map[string]FeatureValue{"api_calls": {Value: float64(id)}, "active_user_ratio": {Value: 0.5}}
	}
	s := Compute(in)[2]
	if s.Scorecard != "api" || driver(t, s, "api_calls").Score != 100*2.5/3 {
		t.Fatalf("custom metric score: %+v", s)
	}
}

func TestFormatScorecardsRoundTrip(t *testing.T) {
	t.Parallel()
	for _, src := range []string{customYAML, selectionYAML, string(DefaultsYAML())} {
		scs, err := ParseScorecards([]byte(src))
		if err != nil {
			t.Fatal(err)
		}
		out, err := FormatScorecards(scs.All(), "round trip")
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseScorecards(out)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if !reflect.DeepEqual(scs.All(), again.All()) || !reflect.DeepEqual(scs.Catalog(), again.Catalog()) {
			t.Fatalf("round trip changed the scorecards:\n%s", out)
		}
		if !strings.HasPrefix(string(out), "# round trip\n") {
			t.Fatalf("header missing:\n%s", out)
		}
	}
}

func TestScorecardValidationErrors(t *testing.T) {
	t.Parallel()
	card := func(body string) string {
		return "scorecards:\n  - name: enterprise\n    match: {segments: [Enterprise]}\n" + body
	}
	metric := func(fields string) string {
		return card("    custom_metrics:\n      - key: logins\n        family: usage\n        label: Logins\n" + fields)
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown metric", card("    metrics: {active_usr: 1}\n"),
			`line 4: scorecard "enterprise": metrics.active_usr: unknown metric (did you mean active_user_ratio?)`},
		{"negative metric weight", card("    metrics: {csat: -1}\n"),
			`scorecard "enterprise": metrics.csat: weight -1 must not be negative`},
		{"negative family weight", card("    families: {usage: -5}\n"),
			`scorecard "enterprise": families.usage: weight -5 must not be negative`},
		{"unknown family", card("    families: {usag: 1}\n"),
			`scorecard "enterprise": families.usag: unknown family (did you mean usage?)`},
		{"thresholds out of order", card("    bands: {green: 40, yellow: 70}\n"),
			`scorecard "enterprise": bands: thresholds out of order: yellow (70) must be below green (40)`},
		{"threshold above 100", card("    bands: {green: 120}\n"),
			`scorecard "enterprise": bands.green: 120 is outside 0–100`},
		{"unknown band mode", card("    bands: deciles\n"),
			`scorecard "enterprise": bands: expected quartiles or thresholds`},
		{"unknown band field", card("    bands: {gren: 80}\n"),
			`scorecard "enterprise": bands.gren: unknown field (did you mean green?)`},
		{"band threshold not a number", card("    bands: {green: high}\n"),
			`scorecard "enterprise": bands.green: expected a number, got "high"`},
		{"min_confidence out of range", card("    min_confidence: 1.5\n"),
			`scorecard "enterprise": min_confidence: 1.5 is outside 0–1`},
		{"min_peers zero", card("    min_peers: 0\n"),
			`scorecard "enterprise": min_peers: 0 must be at least 1`},
		{"min_peers not a number", card("    min_peers: many\n"),
			`line 4: scorecard "enterprise": min_peers: expected a number, got "many"`},
		{"unknown scorecard field", card("    colour: red\n"),
			`line 4: scorecard "enterprise": colour: unknown field`},
		{"misspelt scorecard field", card("    min_peer: 3\n"),
			`line 4: scorecard "enterprise": min_peer: unknown field (did you mean min_peers?)`},
		{"unknown top-level field", "scorecard:\n  - name: x\n",
			`line 1: scorecard: unknown field (did you mean scorecards?)`},
		{"unknown match field", "scorecards:\n  - name: e\n    match: {segment: Enterprise}\n",
			`line 3: scorecard "e": match.segment: unknown field (did you mean segments?)`},
		{"bad match", "scorecards:\n  - name: e\n    match: everyone\n",
			`scorecard "e": match: expected default or a mapping with segments and/or outcomes`},
		{"absolute metric without mapping", metric("        higher_is_better: true\n        feature: latest\n        normalisation: absolute\n"),
			`scorecard "enterprise": custom_metrics[0]: mapping: an absolute metric needs a mapping of at least 2 points`},
		{"mapping values not increasing", metric("        higher_is_better: true\n        feature: latest\n        normalisation: absolute\n        mapping: [{value: 2, score: 0}, {value: 1, score: 100}]\n"),
			`custom_metrics[0]: mapping: point 1: values must increase (1 after 2)`},
		{"mapping on a percentile metric", metric("        higher_is_better: true\n        feature: latest\n        mapping: [{value: 1, score: 0}, {value: 2, score: 100}]\n"),
			`custom_metrics[0]: mapping: only applies to normalisation absolute`},
		{"custom metric without direction", metric("        feature: latest\n"),
			`scorecard "enterprise": custom_metrics[0].higher_is_better: required`},
		{"custom metric window missing", metric("        higher_is_better: true\n        feature: sum\n"),
			`custom_metrics[0]: window_days: must be > 0 for feature "sum"`},
		{"custom metric unknown feature", metric("        higher_is_better: true\n        feature: median\n"),
			`custom_metrics[0]: feature: unknown feature "median"`},
		{"custom metric unknown family", strings.Replace(metric("        higher_is_better: true\n        feature: latest\n"), "family: usage", "family: usge", 1),
			`custom_metrics[0]: family: unknown family "usge"`},
		{"custom metric unknown unit", metric("        higher_is_better: true\n        feature: latest\n        unit: parsecs\n"),
			`custom_metrics[0]: unit: unknown unit "parsecs"`},
		{"custom metric misspelt field", metric("        higher_is_better: true\n        feature: sum\n        windw_days: 28\n"),
			`line 10: scorecard "enterprise": custom_metrics[0].windw_days: unknown field (did you mean window_days?)`},
		{"custom metric shadows a built-in", strings.Replace(metric("        higher_is_better: true\n        feature: latest\n"), "key: logins", "key: csat", 1),
			`custom_metrics[0].key: "csat" is a built-in metric`},
		{"custom metric defined differently twice",
			metric("        higher_is_better: true\n        feature: latest\n") +
				"  - name: smb\n    match: {segments: [SMB]}\n    custom_metrics:\n      - {key: logins, family: usage, label: Logins, higher_is_better: false, feature: latest}\n",
			`scorecard "smb": custom_metrics[0].key: "logins" is defined differently in scorecard "enterprise"`},
		{"every weight zero", card("    families: {usage: 0, engagement: 0, pulse: 0, contract: 0}\n"),
			`scorecard "enterprise": metrics: no metric has a positive weight`},
		{"duplicate name", card("") + "  - name: enterprise\n",
			`scorecard "enterprise": name: defined twice`},
		{"missing name", "scorecards:\n  - match: default\n", `name: every scorecard needs a name`},
		{"two catch-alls", "scorecards:\n  - name: a\n  - name: b\n", `scorecard "b": match: a second catch-all scorecard ("a" is one already)`},
		{"overlapping matches", card("") + "  - name: big\n    match: {segments: [SMB, enterprise]}\n",
			`scorecard "big": match: matches the same accounts as scorecard "enterprise" (enterprise)`},
		{"default with a match and no catch-all", "scorecards:\n  - name: default\n    match: {segments: [SMB]}\n",
			`scorecard "default": match: no catch-all scorecard`},
		{"no scorecards", "scorecards: []\n", `scorecards: no scorecards defined`},
		{"empty file", "", `scorecards: no scorecards defined`},
		{"not YAML", "scorecards: [\n", `not valid YAML`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseScorecards([]byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error for:\n%s", tc.yaml)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n %s\nwant it to contain:\n %s", err, tc.want)
			}
			var se *ScorecardError
			if !errors.As(err, &se) {
				t.Fatalf("error %T is not a *ScorecardError", err)
			}
		})
	}
}

func TestScorecardErrorsAreAllReported(t *testing.T) {
	t.Parallel()
	_, err := ParseScorecards([]byte("scorecards:\n  - name: a\n    metrics: {nope: 1}\n    min_peers: 0\n  - name: b\n    match: {segments: [X]}\n    families: {usage: -1}\n"))
	if err == nil {
		t.Fatal("no error")
	}
	got := err.Error()
	for _, want := range []string{
		`line 3: scorecard "a": metrics.nope: unknown metric`,
		`line 4: scorecard "a": min_peers: 0 must be at least 1`,
		`line 7: scorecard "b": families.usage: weight -1 must not be negative`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
}

func TestNewScorecardsValidatesCodeToo(t *testing.T) {
	t.Parallel()
	_, err := NewScorecards(Catalog{}, Scorecard{Name: "x", Bands: Bands{Mode: "stars"}, MinPeers: 1})
	if err == nil || !strings.Contains(err.Error(), `scorecard "x": bands: unknown mode "stars"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestDidYouMean(t *testing.T) {
	t.Parallel()
	cands := DefaultCatalog().Keys()
	tests := map[string]string{
		"active_usr":     " (did you mean active_user_ratio?)",
		"supprt_tickets": " (did you mean support_tickets?)",
		"NPS":            " (did you mean nps?)",
		"zzz":            "",
		"csta":           " (did you mean csat?)",
	}
	for in, want := range tests {
		if got := didYouMean(in, cands); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScorecardAlertThresholdErrorsNameTheField(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"trend_drop_pionts: 20":                        "trend_drop_pionts",
		"usage_drop_share: 20":                         "alerts.usage_drop_share",
		"disabled: [nope]":                             "alerts.disabled",
		"cooldown_days: {x: 1}":                        "alerts.cooldown_days.x",
		"trend_drop_days: lots":                        "alerts",
		"renewal: [{within_days: 0, below_score: 50}]": "alerts.renewal[0]",
	}
	for body, want := range cases {
		_, err := ParseScorecards([]byte("scorecards:\n  - name: ent\n    match: default\n    alerts:\n      " + body + "\n"))
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), `"ent"`) {
			t.Errorf("alerts %q: error %v, want it to name scorecard \"ent\" and %s", body, err, want)
		}
	}
}

// A YAML syntax error names the line a person must fix, not the parser's
// line (which was 1 for an indentation error and one short for others).
func TestScorecardSyntaxErrorLine(t *testing.T) {
	t.Parallel()
	head := "scorecards:\n  - name: default\n    families:\n      usage: 40\n"
	tests := []struct {
		name, yaml string
		line       int
	}{
		{"bad indentation", head + "   bad indent: 1\n", 5},
		{"tab", head + "\tmetrics:\n      csat: 1\n", 5},
		{"unclosed bracket", head + "    metrics:\n      csat: [1\n    bands:\n      green: 70\n", 6},
		{"mapping in a value", head + "    metrics: a: b\n", 5},
		{"unclosed quote", "scorecards:\n  - name: \"default\n    families:\n      usage: 40\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseScorecards([]byte(tc.yaml))
			var se *ScorecardError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *ScorecardError", err)
			}
			if se.Line != tc.line {
				t.Errorf("line %d, want %d: %v", se.Line, tc.line, err)
			}
			if want := fmt.Sprintf("line %d: not valid YAML: ", tc.line); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("error %q should start with %q", err, want)
			}
		})
	}
}
