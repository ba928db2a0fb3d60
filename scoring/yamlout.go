package scoring

import (
	"bytes"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// scorecardOut is a scorecard as written back: explicit, in display order.
type scorecardOut struct {
	Name          string       `yaml:"name"`
	Match         *matchOut    `yaml:"match,omitempty"`
	Families      yaml.Node    `yaml:"families"`
	Metrics       yaml.Node    `yaml:"metrics"`
	Bands         any          `yaml:"bands"`
	MinConfidence float64      `yaml:"min_confidence"`
	MinPeers      int          `yaml:"min_peers"`
	CustomMetrics []metricYAML `yaml:"custom_metrics,omitempty"`
	Alerts        *AlertRules  `yaml:"alerts,omitempty"`

	Staleness StalenessByMetric `yaml:"staleness,omitempty"`

	LearnedDirections yaml.Node `yaml:"learned_directions,omitempty"`
}

type matchOut struct {
	Segments []string `yaml:"segments,omitempty"`
	Outcomes []string `yaml:"outcomes,omitempty"`
}

// FormatScorecards writes scorecards as a YAML file that ParseScorecards
// accepts (it checks by parsing the result), with header as a comment.
func FormatScorecards(cards []Scorecard, header string) ([]byte, error) {
	out := struct {
		Scorecards []scorecardOut `yaml:"scorecards"`
	}{}
	for _, c := range cards {
		out.Scorecards = append(out.Scorecards, toOut(c))
	}
	var buf bytes.Buffer
	for _, line := range strings.Split(strings.TrimSpace(header), "\n") {
		if header != "" {
			buf.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
	}
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return nil, fmt.Errorf("format scorecards: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("format scorecards: %w", err)
	}
	if _, err := ParseScorecards(buf.Bytes()); err != nil {
		return nil, fmt.Errorf("format scorecards: the result does not parse: %w", err)
	}
	return buf.Bytes(), nil
}

func toOut(c Scorecard) scorecardOut {
	o := scorecardOut{Name: c.Name, MinConfidence: c.MinConfidence, MinPeers: c.MinPeers, Staleness: c.Staleness}
	if !reflect.DeepEqual(c.Alerts, DefaultAlertRules()) {
		rules := c.Alerts
		o.Alerts = &rules
	}
	if !c.Match.IsDefault() {
		o.Match = &matchOut{Segments: c.Match.Segments, Outcomes: c.Match.Outcomes}
	}
	o.Bands = map[string]float64{"green": c.Bands.Green, "yellow": c.Bands.Yellow}
	if c.Bands.Mode == BandsQuartiles {
		o.Bands = string(BandsQuartiles)
	}
	fams := make([]string, 0, len(Families))
	famW := map[string]float64{}
	for _, f := range Families {
		if w, ok := c.Families[f]; ok {
			fams = append(fams, string(f))
			famW[string(f)] = w
		}
	}
	o.Families = weightsNode(fams, famW)
	keys := make([]string, 0, len(c.Metrics))
	for _, p := range c.plan {
		if _, ok := c.Metrics[p.metric.Key]; ok {
			keys = append(keys, p.metric.Key)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(c.Metrics)) {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	o.Metrics = weightsNode(keys, c.Metrics)
	for _, m := range c.CustomMetrics {
		o.CustomMetrics = append(o.CustomMetrics, metricOut(m))
	}
	if len(c.LearnedDirections) > 0 {
		o.LearnedDirections = yaml.Node{Kind: yaml.MappingNode}
		for _, k := range sortedKeys(c.LearnedDirections) {
			v := directionLower
			if c.LearnedDirections[k] {
				v = directionHigher
			}
			o.LearnedDirections.Content = append(o.LearnedDirections.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: k}, &yaml.Node{Kind: yaml.ScalarNode, Value: v})
		}
	}
	return o
}

// weightsNode is an ordered mapping key → number.
func weightsNode(keys []string, w map[string]float64) yaml.Node {
	n := yaml.Node{Kind: yaml.MappingNode}
	for _, k := range keys {
		n.Content = append(n.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Value: k},
			&yaml.Node{Kind: yaml.ScalarNode, Value: strconv.FormatFloat(w[k], 'f', -1, 64)})
	}
	return n
}

func metricOut(m Metric) metricYAML {
	hib, w := m.HigherIsBetter, m.Weight
	return metricYAML{
		Key: m.Key, Signal: m.Signal, Family: string(m.Family), Label: m.Label, Unit: m.Unit,
		HigherIsBetter: &hib, Feature: string(m.Feature), WindowDays: m.WindowDays,
		Normalisation: string(m.Normalisation), Mapping: m.Mapping, StaleAfterDays: m.StaleAfterDays,
		FreshDays: m.FreshDays, Weight: &w, Text: m.Text, DirectionFrom: learnedMarker(m.DirectionFrom),
	}
}

func learnedMarker(d DirectionSource) string {
	if d == DirectionLearned {
		return string(DirectionLearned)
	}
	return ""
}
