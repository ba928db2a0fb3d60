package scoring

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// scorecardNodes returns the YAML nodes of the scorecards list, so that
// errors can be traced to a scorecard and a line.
func scorecardNodes(root *yaml.Node) []*yaml.Node {
	doc := root
	if doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		doc = doc.Content[0]
	}
	if doc.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		if doc.Content[i].Value == "scorecards" && doc.Content[i+1].Kind == yaml.SequenceNode {
			return doc.Content[i+1].Content
		}
	}
	return nil
}

var (
	yamlLineRE    = regexp.MustCompile(`^line (\d+): (.*)$`)
	yamlUnknownRE = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	yamlTypeRE    = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
)

// decodeErrors turns the decoder's messages ("line 7: field colour not found
// in type scoring.scorecardYAML") into *ScorecardError naming scorecard and field.
func decodeErrors(err error, root *yaml.Node, items []*yaml.Node) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return &ScorecardError{Problem: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var errs []error
	for _, msg := range te.Errors {
		e := &ScorecardError{Problem: msg}
		if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			e.Problem = m[2]
			card, path := locate(root, items, e.Line)
			e.Scorecard, e.Field = card, path
			if u := yamlUnknownRE.FindStringSubmatch(m[2]); u != nil {
				e.Problem = "unknown field" + didYouMean(u[1], yamlFields[u[2]])
			} else if t := yamlTypeRE.FindStringSubmatch(m[2]); t != nil {
				e.Problem = fmt.Sprintf("expected %s, got %q", humanType(t[3]), t[2])
			}
		}
		errs = append(errs, e)
	}
	return errors.Join(errs...)
}

// yamlFields lists the keys each YAML type accepts, for "did you mean".
var yamlFields = map[string][]string{
	typeName(fileYAML{}):      tags(fileYAML{}),
	typeName(scorecardYAML{}): tags(scorecardYAML{}),
	typeName(metricYAML{}):    tags(metricYAML{}),
	typeName(Point{}):         tags(Point{}),
}

func typeName(v any) string { return reflect.TypeOf(v).String() }

func tags(v any) []string {
	t := reflect.TypeOf(v)
	out := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		out = append(out, strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0])
	}
	return out
}

func humanType(goType string) string {
	switch {
	case strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "*float"), strings.HasPrefix(goType, "*int"):
		return "a number"
	case strings.Contains(goType, "bool"):
		return "true or false"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "map"), strings.HasPrefix(goType, "scoring."):
		return "a mapping"
	}
	return goType
}

// locate finds the scorecard and dotted field path of the node on line.
func locate(root *yaml.Node, items []*yaml.Node, line int) (card, path string) {
	for _, it := range items {
		if p, ok := pathAt(it, line, ""); ok {
			return nodeName(it), p
		}
	}
	if p, ok := pathAt(root, line, ""); ok {
		return "", p
	}
	return "", ""
}

func pathAt(n *yaml.Node, line int, prefix string) (string, bool) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if p, ok := pathAt(c, line, prefix); ok {
				return p, true
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := joinPath(prefix, k.Value)
			if sub, ok := pathAt(v, line, p); ok {
				return sub, true
			}
			if k.Line == line || (v.Line == line && v.Kind == yaml.ScalarNode) {
				return p, true
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", prefix, i)
			if sub, ok := pathAt(c, line, p); ok {
				return sub, true
			}
			if c.Line == line {
				return p, true
			}
		}
	}
	return "", false
}

func joinPath(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func nodeName(item *yaml.Node) string {
	if v := child(item, "name"); v != nil {
		return v.Value
	}
	return ""
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// lineOf finds the line of a field ("custom_metrics[0].window_days") in the
// named scorecard, falling back to the deepest part that exists.
func lineOf(items []*yaml.Node, card, field string) int {
	var item *yaml.Node
	for _, it := range items {
		if nodeName(it) == card {
			item = it
			break
		}
	}
	if item == nil {
		return 0
	}
	line, cur := item.Line, item
	for _, part := range strings.Split(field, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 {
			key = part[:i]
			idx, _ = strconv.Atoi(strings.TrimSuffix(part[i+1:], "]"))
		}
		next := keyNode(cur, key)
		if next == nil {
			return line
		}
		line = next.Line
		cur = child(cur, key)
		if idx >= 0 && cur != nil && cur.Kind == yaml.SequenceNode && idx < len(cur.Content) {
			cur = cur.Content[idx]
			line = cur.Line
		}
	}
	return line
}

func keyNode(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i]
		}
	}
	return nil
}

// yamlLinePrefix is the "line N: " the YAML parser puts before a syntax
// error; its N is often off (the line before, or 1 for an indentation
// error), so syntaxError replaces it.
var yamlLinePrefix = regexp.MustCompile(`^(yaml: )?line \d+: `)

// syntaxError reports a YAML syntax error at the line where the file stops
// being valid YAML: the first line whose prefix of the file no longer
// parses. That is where a person has to look, which the parser's own line
// number often is not.
func syntaxError(data []byte, err error) *ScorecardError {
	problem := yamlLinePrefix.ReplaceAllString(err.Error(), "")
	return &ScorecardError{Problem: "not valid YAML: " + problem, Line: firstBadLine(data)}
}

// firstBadLine is the 1-based number of the first line at which the file's
// prefix fails to parse; 0 if every prefix parses or the file is too long
// to search (the parser's message still says what is wrong).
func firstBadLine(data []byte) int {
	const maxLines = 5000
	lines := strings.SplitAfter(string(data), "\n")
	if len(lines) > maxLines {
		return 0
	}
	var n yaml.Node
	prefix := 0
	for i, l := range lines {
		prefix += len(l)
		if yaml.Unmarshal(data[:prefix], &n) != nil {
			return i + 1
		}
	}
	return 0
}
