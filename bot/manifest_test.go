package bot

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// manifest is the part of slack/manifest.yaml the bot depends on.
type manifest struct {
	Features struct {
		AppHome struct {
			Home     bool `yaml:"home_tab_enabled"`
			Messages bool `yaml:"messages_tab_enabled"`
		} `yaml:"app_home"`
		Assistant *struct {
			Description string `yaml:"assistant_description"`
		} `yaml:"assistant_view"`
		SlashCommands []struct {
			Command string `yaml:"command"`
			URL     string `yaml:"url"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			URL    string   `yaml:"request_url"`
			Events []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			Enabled bool   `yaml:"is_enabled"`
			URL     string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketMode bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// TestManifestMatchesTheTransports keeps slack/manifest.yaml in step with
// what the code serves: the paths HTTPTransport mounts, the events the
// router handles, and the scopes the features call.
func TestManifestMatchesTheTransports(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../slack/manifest.yaml")
	require.NoError(t, err)
	var m manifest
	require.NoError(t, yaml.Unmarshal(raw, &m))

	mux := http.NewServeMux()
	NewHTTPTransport(NewRouter(RouterOptions{}), "s", HTTPOptions{}).Mount(mux)
	mounted := func(raw string) bool {
		u, err := url.Parse(raw)
		require.NoError(t, err)
		_, pattern := mux.Handler(&http.Request{Method: http.MethodPost, URL: u, Host: u.Host})
		return pattern != ""
	}
	require.Len(t, m.Features.SlashCommands, 1)
	require.Equal(t, "/health", m.Features.SlashCommands[0].Command)
	require.True(t, mounted(m.Features.SlashCommands[0].URL), m.Features.SlashCommands[0].URL)
	require.True(t, mounted(m.Settings.Events.URL), m.Settings.Events.URL)
	require.True(t, mounted(m.Settings.Interactivity.URL), m.Settings.Interactivity.URL)

	require.True(t, m.Settings.Interactivity.Enabled)
	require.True(t, m.Settings.SocketMode)
	require.True(t, m.Features.AppHome.Home)
	require.True(t, m.Features.AppHome.Messages, "DMs to the bot need the Messages tab")
	require.Subset(t, m.Settings.Events.Events, []string{"app_mention", "message.im", "app_home_opened", "message.channels"})
	require.Subset(t, m.OAuth.Scopes.Bot, []string{
		"commands", "chat:write", "chat:write.public", "im:write", "im:history", "app_mentions:read",
		"users:read", "users:read.email", "channels:history", "groups:history", "channels:read",
		// Who sees what (bot/access): users.info, usergroups.*, conversations.info.
		"usergroups:read", "groups:read", "im:read", "mpim:read",
	})
	// Slack's AI-app pane (bot/ask): the assistant view, its scope and events.
	require.NotNil(t, m.Features.Assistant, "features.assistant_view")
	require.NotEmpty(t, m.Features.Assistant.Description, "assistant_view needs assistant_description")
	require.Contains(t, m.OAuth.Scopes.Bot, "assistant:write")
	require.Subset(t, m.Settings.Events.Events, []string{"assistant_thread_started", "assistant_thread_context_changed"})
}

// TestManifestValidatesAgainstSlacksSchema checks slack/manifest.yaml
// against Slack's own app manifest JSON schema (version 1), committed as
// slack/manifest.schema.json from github.com/slackapi/manifest-schema (MIT):
// a misspelt key, a scope or event Slack does not know, or a value of the
// wrong type fails here instead of in Slack's "Create app" form.
func TestManifestValidatesAgainstSlacksSchema(t *testing.T) {
	t.Parallel()
	schemaFile, err := os.Open("../slack/manifest.schema.json")
	require.NoError(t, err)
	defer schemaFile.Close()
	doc, err := jsonschema.UnmarshalJSON(schemaFile)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp) // the schema's patterns use lookaheads, which Go's regexp lacks
	require.NoError(t, c.AddResource("manifest.schema.json", doc))
	schema, err := c.Compile("manifest.schema.json")
	require.NoError(t, err)

	raw, err := os.ReadFile("../slack/manifest.yaml")
	require.NoError(t, err)
	var m any
	require.NoError(t, yaml.Unmarshal(raw, &m))
	// Round-trip through JSON so numbers and maps have the types the
	// validator expects.
	j, err := json.Marshal(m)
	require.NoError(t, err)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	require.NoError(t, err)
	if err := schema.Validate(inst); err != nil {
		t.Errorf("slack/manifest.yaml does not validate against Slack's manifest schema:\n%v", err)
	}

	// The check can fail: an unknown key is refused.
	var bad map[string]any
	require.NoError(t, json.Unmarshal(j, &bad))
	bad["display_informations"] = bad["display_information"]
	jb, err := json.Marshal(bad)
	require.NoError(t, err)
	badInst, err := jsonschema.UnmarshalJSON(bytes.NewReader(jb))
	require.NoError(t, err)
	require.Error(t, schema.Validate(badInst), "a misspelt key must fail the schema")
}

// ecmaRegexp compiles a schema pattern as JSON Schema means it: an ECMA 262
// regular expression (Go's RE2 has no lookahead).
func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaRE{re}, nil
}

type ecmaRE struct{ re *regexp2.Regexp }

func (r ecmaRE) MatchString(s string) bool {
	ok, err := r.re.MatchString(s)
	return err == nil && ok
}

func (r ecmaRE) String() string { return r.re.String() }
