package scoring

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

//go:embed defaults.yaml
var defaultsYAML []byte

// DefaultsYAML is the embedded default scorecard file, for people to copy.
func DefaultsYAML() []byte { return bytes.Clone(defaultsYAML) }

// DefaultScorecards are the embedded defaults, used when there is no file.
func DefaultScorecards() Scorecards {
	s, err := ParseScorecards(defaultsYAML)
	if err != nil {
		panic("scoring: embedded defaults.yaml is invalid: " + err.Error())
	}
	return s
}

// The values of learned_directions.
const (
	directionHigher = "higher_is_better"
	directionLower  = "lower_is_better"
)

// fileYAML is the scorecard file as written.
type fileYAML struct {
	Scorecards []scorecardYAML `yaml:"scorecards"`
}

type scorecardYAML struct {
	Name          string             `yaml:"name"`
	Match         yaml.Node          `yaml:"match,omitempty"` // "default" or {segments, outcomes}
	Families      map[string]float64 `yaml:"families,omitempty"`
	Metrics       map[string]float64 `yaml:"metrics,omitempty"`
	Bands         yaml.Node          `yaml:"bands,omitempty"` // "quartiles" or {green, yellow}
	MinConfidence *float64           `yaml:"min_confidence,omitempty"`
	MinPeers      *int               `yaml:"min_peers,omitempty"`
	CustomMetrics []metricYAML       `yaml:"custom_metrics,omitempty"`
	Alerts        yaml.Node          `yaml:"alerts,omitempty"` // decoded onto DefaultAlertRules
	Staleness     StalenessByMetric  `yaml:"staleness,omitempty"`
	// LearnedDirections: metric key → higher_is_better | lower_is_better.
	LearnedDirections map[string]string `yaml:"learned_directions,omitempty"`
}

// metricYAML is a custom metric as written; pointers tell "unset" apart so
// that a forgotten direction is an error, not a silent "lower is better".
type metricYAML struct {
	Key            string   `yaml:"key"`
	Signal         string   `yaml:"signal,omitempty"`
	Family         string   `yaml:"family"`
	Label          string   `yaml:"label"`
	Unit           string   `yaml:"unit,omitempty"`
	HigherIsBetter *bool    `yaml:"higher_is_better"`
	Feature        string   `yaml:"feature"`
	WindowDays     int      `yaml:"window_days,omitempty"`
	Normalisation  string   `yaml:"normalisation,omitempty"`
	Mapping        []Point  `yaml:"mapping,omitempty"`
	StaleAfterDays int      `yaml:"stale_after_days,omitempty"`
	FreshDays      int      `yaml:"fresh_days,omitempty"`
	Weight         *float64 `yaml:"weight,omitempty"`
	Text           string   `yaml:"text,omitempty"`
	// DirectionFrom "learned" marks a direction the backtest fit learned
	// (DirectionLearned); absent, the direction is declared.
	DirectionFrom string `yaml:"direction_from,omitempty"`
}

// ParseScorecards reads a scorecard file. Unknown keys, wrong types and
// invalid values are errors naming the line, the scorecard and the field;
// all problems are reported at once (joined *ScorecardError values).
func ParseScorecards(data []byte) (Scorecards, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Scorecards{}, syntaxError(data, err)
	}
	items := scorecardNodes(&root)
	var file fileYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil && !errors.Is(err, io.EOF) { // EOF: an empty file
		return Scorecards{}, decodeErrors(err, &root, items)
	}
	var errs []error
	cards := make([]Scorecard, len(file.Scorecards))
	for i, sy := range file.Scorecards {
		c, cardErrs := sy.scorecard()
		cards[i] = c
		for _, e := range cardErrs {
			e.Scorecard = sy.Name
			errs = append(errs, e)
		}
	}
	if len(errs) == 0 {
		s, err := NewScorecards(Catalog{}, cards...)
		if err == nil {
			return s, nil
		}
		errs = unjoin(err)
	}
	for _, e := range errs {
		var se *ScorecardError
		if errors.As(e, &se) && se.Line == 0 {
			se.Line = lineOf(items, se.Scorecard, se.Field)
		}
	}
	return Scorecards{}, errors.Join(errs...)
}

func (sy scorecardYAML) scorecard() (Scorecard, []*ScorecardError) {
	var errs []*ScorecardError
	c := Scorecard{Name: sy.Name, MinConfidence: DefaultMinConfidence, MinPeers: DefaultMinPeers}
	var err *ScorecardError
	if c.Match, err = decodeMatch(&sy.Match); err != nil {
		errs = append(errs, err)
	}
	if c.Bands, err = decodeBands(&sy.Bands); err != nil {
		errs = append(errs, err)
	}
	if sy.MinConfidence != nil {
		c.MinConfidence = *sy.MinConfidence
	}
	if sy.MinPeers != nil {
		c.MinPeers = *sy.MinPeers
	}
	if sy.Families != nil {
		c.Families = map[Family]float64{}
		for k, v := range sy.Families {
			c.Families[Family(k)] = v
		}
	}
	c.Metrics = sy.Metrics
	c.Staleness = sy.Staleness
	for _, k := range sortedKeys(sy.LearnedDirections) {
		if c.LearnedDirections == nil {
			c.LearnedDirections = map[string]bool{}
		}
		switch v := sy.LearnedDirections[k]; v {
		case directionHigher:
			c.LearnedDirections[k] = true
		case directionLower:
			c.LearnedDirections[k] = false
		default:
			errs = append(errs, &ScorecardError{Field: "learned_directions." + k,
				Problem: fmt.Sprintf("%q: want %s or %s", v, directionHigher, directionLower)})
		}
	}
	var alertErr *ScorecardError
	if c.Alerts, alertErr = decodeAlertRules(&sy.Alerts); alertErr != nil {
		errs = append(errs, alertErr)
	}
	for i, my := range sy.CustomMetrics {
		m, field, problem := my.metric()
		if problem != "" {
			errs = append(errs, &ScorecardError{Field: fmt.Sprintf("custom_metrics[%d].%s", i, field), Problem: problem})
		}
		c.CustomMetrics = append(c.CustomMetrics, m)
	}
	return c, errs
}

// metric converts and fills defaults; problem says what is wrong with field.
func (my metricYAML) metric() (Metric, string, string) {
	m := Metric{
		Key: my.Key, Signal: my.Signal, Family: Family(my.Family), Label: my.Label, Unit: my.Unit,
		Feature: Feature(my.Feature), WindowDays: my.WindowDays, Normalisation: Normalisation(my.Normalisation),
		Mapping: my.Mapping, StaleAfterDays: my.StaleAfterDays, FreshDays: my.FreshDays, Weight: 1, Text: my.Text,
	}
	if m.Normalisation == "" {
		m.Normalisation = NormPeerPercentile
	}
	if my.Weight != nil {
		m.Weight = *my.Weight
	}
	if my.HigherIsBetter == nil {
		return m, "higher_is_better", "required"
	}
	m.HigherIsBetter = *my.HigherIsBetter
	switch DirectionSource(my.DirectionFrom) {
	case "", DirectionDeclared:
	case DirectionLearned:
		m.DirectionFrom = DirectionLearned
	default:
		return m, "direction_from", fmt.Sprintf("%q: want declared or learned", my.DirectionFrom)
	}
	return m, "", ""
}

func decodeMatch(n *yaml.Node) (Match, *ScorecardError) {
	var m Match
	switch n.Kind {
	case 0:
		return m, nil
	case yaml.ScalarNode:
		if n.Value == "default" || n.Tag == "!!null" {
			return m, nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			list, err := stringList(v)
			switch {
			case k.Value != "segments" && k.Value != "outcomes":
				return m, &ScorecardError{Field: "match." + k.Value, Line: k.Line,
					Problem: "unknown field" + didYouMean(k.Value, []string{"segments", "outcomes"})}
			case err != "":
				return m, &ScorecardError{Field: "match." + k.Value, Line: v.Line, Problem: err}
			case k.Value == "segments":
				m.Segments = list
			default:
				m.Outcomes = list
			}
		}
		return m, nil
	}
	return m, &ScorecardError{Field: "match", Line: n.Line, Problem: "expected default or a mapping with segments and/or outcomes"}
}

func stringList(v *yaml.Node) ([]string, string) {
	var one string
	if v.Kind == yaml.ScalarNode && v.Decode(&one) == nil {
		return []string{one}, ""
	}
	var list []string
	if v.Kind != yaml.SequenceNode || v.Decode(&list) != nil {
		return nil, "expected a name or a list of names"
	}
	return list, ""
}

func decodeBands(n *yaml.Node) (Bands, *ScorecardError) {
	b := DefaultBands()
	switch n.Kind {
	case 0:
		return b, nil
	case yaml.ScalarNode:
		switch n.Value {
		case string(BandsQuartiles):
			return Bands{Mode: BandsQuartiles}, nil
		case string(BandsFixed):
			return b, nil
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var dst *float64
			switch k.Value {
			case "green":
				dst = &b.Green
			case "yellow":
				dst = &b.Yellow
			default:
				return b, &ScorecardError{Field: "bands." + k.Value, Line: k.Line,
					Problem: "unknown field" + didYouMean(k.Value, []string{"green", "yellow"})}
			}
			if v.Kind != yaml.ScalarNode || v.Decode(dst) != nil {
				return b, &ScorecardError{Field: "bands." + k.Value, Line: v.Line, Problem: fmt.Sprintf("expected a number, got %q", v.Value)}
			}
		}
		return b, nil
	}
	return b, &ScorecardError{Field: "bands", Line: n.Line,
		Problem: fmt.Sprintf("expected quartiles or thresholds {green: 70, yellow: 40}, got %q", n.Value)}
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// decodeAlertRules reads the `alerts:` section onto the defaults, so a file
// names only the thresholds it changes; unknown keys are errors.
func decodeAlertRules(n *yaml.Node) (AlertRules, *ScorecardError) {
	rules := DefaultAlertRules()
	if n.Kind == 0 {
		return rules, nil
	}
	raw, err := yaml.Marshal(n)
	if err != nil {
		return rules, &ScorecardError{Field: "alerts", Problem: err.Error()}
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		return rules, &ScorecardError{Field: "alerts", Problem: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if err := rules.Validate(); err != nil {
		field, problem, _ := strings.Cut(err.Error(), ": ")
		return rules, &ScorecardError{Field: field, Problem: problem}
	}
	return rules, nil
}
