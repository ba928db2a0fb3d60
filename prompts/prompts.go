// Package prompts holds the language-model prompts as embedded text: the
// system prompt template and the tool descriptions with their argument
// schemas, so wording can change without touching Go code.
package prompts

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"text/template"
)

//go:embed system.tmpl tools/*.json
var files embed.FS

// system is parsed once; the template is fixed at build time, so a parse
// error is a programming error caught by the tests.
var system = template.Must(template.New("system.tmpl").
	Funcs(template.FuncMap{"join": strings.Join}).
	ParseFS(files, "system.tmpl"))

// SystemData fills the system prompt.
type SystemData struct {
	Today     string // "2026-03-02 (Monday)"
	AskerID   string // Slack user id of the person asking; "me" resolves to it
	Subject   string // the account a question without one is about ("" for none)
	MaxRounds int
	Metrics   []MetricLine
	Segments  []string
	Owners    []string
}

// MetricLine is one catalog metric as the model reads it.
type MetricLine struct {
	Key, Family, Label string
	Direction          string // "higher is better" / "lower is better"
	Feature            string // "latest value", "mean over 28 days", …
}

// System renders the system prompt.
func System(d SystemData) (string, error) {
	var b bytes.Buffer
	if err := system.Execute(&b, d); err != nil {
		return "", fmt.Errorf("prompts: system: %w", err)
	}
	return b.String(), nil
}

// Tool is one tool's description and JSON schema for its arguments.
type Tool struct {
	Name        string
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Tools returns every tool definition, sorted by name.
func Tools() ([]Tool, error) {
	names, err := fs.Glob(files, "tools/*.json")
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	out := make([]Tool, 0, len(names))
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		t := Tool{Name: strings.TrimSuffix(path.Base(n), ".json")}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil {
			return nil, fmt.Errorf("prompts: %s: %w", n, err)
		}
		if t.Description == "" || len(t.Parameters) == 0 {
			return nil, fmt.Errorf("prompts: %s: needs a description and parameters", n)
		}
		out = append(out, t)
	}
	return out, nil
}
