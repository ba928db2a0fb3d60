package ask

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
)

// Arguments are read strictly without reading an error's text: an unknown
// argument is named (the first, in the order sent), field names match as
// encoding/json matches them, and every problem is a mistake the caller
// may read (EINVALID), never our failure.
func TestDecodeArgsNamesTheFirstUnknownArgument(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		`{"account":"acme","days":7}`:          "",
		`{"Account":"acme"}`:                   "", // encoding/json's case-insensitive match
		`  `:                                   "",
		`null`:                                 "",
		`{"zeta":1,"alpha":2}`:                 `invalid arguments: unknown argument "zeta"`,
		`{"account":"acme","drop_table":true}`: `invalid arguments: unknown argument "drop_table"`,
		`{"account":{"nested":1}}`:             "invalid arguments: account has the wrong type (got a JSON object)",
		`{"days":"7"}`:                         "invalid arguments: days has the wrong type (got a JSON string)",
		`[1]`:                                  "invalid arguments: expected a JSON object",
		`{"account":`:                          "invalid arguments: not valid JSON",
		`{"account":"a"} {"days":1}`:           "invalid arguments: expected one JSON object",
		`{"account":"a",}`:                     "invalid arguments: not valid JSON (at byte 16)",
		`{"account":"a","account2":"b","days":1}`: `invalid arguments: unknown argument "account2"`,
	} {
		var in historyArgs
		err := decodeArgs(raw, &in)
		if want == "" {
			require.NoError(t, err, raw)
			continue
		}
		require.Equal(t, healthbot.EINVALID, healthbot.ErrorCode(err), raw)
		msg, ok := toolMistake(err)
		require.True(t, ok, raw)
		require.Equal(t, want, msg, raw)
	}
}

// The tool table is the one list: the model's tools, the names and the
// dispatch all come from it, in the same order.
func TestTheToolTableDrivesTheModelsToolsAndNames(t *testing.T) {
	t.Parallel()
	table, err := loadTools()
	require.NoError(t, err)
	require.Len(t, table, len(toolRuns))
	defs := toolDefinitions(table)
	for i, tl := range table {
		require.Equal(t, tl.name, defs[i].Function.Name)
		require.NotEmpty(t, tl.description)
		require.NotEmpty(t, tl.parameters)
		got, ok := lookupTool(table, tl.name)
		require.True(t, ok)
		require.Equal(t, tl.name, got.name)
	}
	require.Equal(t, "backtest_summary", toolNames(table)[0])
	_, ok := lookupTool(table, "delete_account")
	require.False(t, ok)
	require.Equal(t, `<data tool="unknown">{}</data>`, wrapData(table, "delete_account", "{}"))
}
