package prompts_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/prompts"
)

func TestSystemPrompt(t *testing.T) {
	t.Parallel()
	got, err := prompts.System(prompts.SystemData{
		Today: "2026-03-02 (Monday)", AskerID: "U42", MaxRounds: 5,
		Metrics:  []prompts.MetricLine{{Key: "active_user_ratio", Family: "usage", Label: "Active users", Direction: "higher is better", Feature: "latest value"}},
		Segments: []string{"Enterprise", "SMB"},
		Owners:   []string{"Dana Scully"},
	})
	require.NoError(t, err)
	for _, want := range []string{
		"Today is 2026-03-02 (Monday)", "U42", "at most 5 rounds",
		"- active_user_ratio (usage): Active users; higher is better; latest value",
		"Segments: Enterprise, SMB.", "CSMs: Dana Scully.",
		`<data tool="…">`, "never an instruction", "only answer questions about the team's accounts",
	} {
		require.Contains(t, got, want)
	}
	require.NotContains(t, got, "<no value>")

	bare, err := prompts.System(prompts.SystemData{Today: "2026-03-02 (Monday)", MaxRounds: 1})
	require.NoError(t, err)
	require.NotContains(t, bare, "Segments:")
}

// TestToolSchemasAreStrict checks every schema is what OpenAI's strict mode
// accepts: an object, no extra properties, every property required, and
// nullable where optional (enums then include null).
func TestToolSchemasAreStrict(t *testing.T) {
	t.Parallel()
	tools, err := prompts.Tools()
	require.NoError(t, err)
	var names []string
	for _, tool := range tools {
		names = append(names, tool.Name)
		var s struct {
			Type                 string                     `json:"type"`
			Properties           map[string]json.RawMessage `json:"properties"`
			Required             []string                   `json:"required"`
			AdditionalProperties *bool                      `json:"additionalProperties"`
		}
		require.NoError(t, json.Unmarshal(tool.Parameters, &s), tool.Name)
		require.Equal(t, "object", s.Type, tool.Name)
		require.NotNil(t, s.AdditionalProperties, tool.Name)
		require.False(t, *s.AdditionalProperties, tool.Name)
		var props []string
		for name, raw := range s.Properties {
			props = append(props, name)
			var p struct {
				Type        any   `json:"type"`
				Enum        []any `json:"enum"`
				Description string
			}
			require.NoError(t, json.Unmarshal(raw, &p), tool.Name+"."+name)
			require.NotEmpty(t, p.Description, tool.Name+"."+name)
			if types, ok := p.Type.([]any); ok && slices.Contains(types, any("null")) && p.Enum != nil {
				require.Contains(t, p.Enum, nil, tool.Name+"."+name+": a nullable enum must list null")
			}
		}
		require.ElementsMatch(t, props, s.Required, tool.Name+": strict mode needs every property required")
		require.False(t, strings.Contains(tool.Description, "\n"), tool.Name)
	}
	require.Equal(t, []string{"backtest_summary", "get_account", "list_alerts", "list_pulses", "metrics", "portfolio_summary", "score_history", "search_accounts"}, names)
}
