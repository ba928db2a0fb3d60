package ingest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/ingest"
	"github.com/healthbot/healthbot/ingest/valid"
)

// signalBodies are bodies the fast path takes (true) or leaves to the
// general path (false), at most 3 items a batch.
var signalBodies = []struct {
	body string
	fast bool
}{
	{`{"signals":[{"account":"acme","metric":"nps","observed_at":"2026-03-01T10:00:00Z","value":40,"source":"survey","key":"k1"}]}`, true},
	{" \n{ \"signals\" :\t[ { \"value\" : -1.5e+2 , \"account\":\"ünï\" } , {} ]\r} \n", true},
	{`{"signals":[{"account":"acme","value":null},{"metric":"nps","value":0},{"value":-0.0E-0}]}`, true},
	{`{"signals":[{"account":"","metric":"nps","observed_at":"yesterday","value":1e308}]}`, true},
	{`{"signals":[{"account":"a\u0000","value":1}]}`, false},         // an escape
	{`{"signals":[{"account":"a\"b","value":1}]}`, false},            // an escape
	{"{\"signals\":[{\"account\":\"a\xff\",\"value\":1}]}", false},   // not UTF-8
	{"{\"signals\":[{\"account\":\"a\tb\",\"value\":1}]}", false},    // a control character
	{`{"Signals":[{"account":"acme","value":1}]}`, false},            // the envelope's case
	{`{"signals":[{"Account":"acme","value":1}]}`, false},            // a field's case
	{`{"signals":[{"observedAt":"2026-03-01","value":1}]}`, false},   // unknown field
	{`{"signals":[{"account":"a","account":"b","value":1}]}`, false}, // a field twice
	{`{"signals":[{"account":"a"}],"signals":[]}`, false},            // the envelope twice
	{`{"signals":[{"account":"a"}],"extra":1}`, false},               // another top-level field
	{`{"signals":[{"value":"40"}]}`, false},                          // a string value
	{`{"signals":[{"value":01}]}`, false},                            // not JSON's grammar
	{`{"signals":[{"value":1.}]}`, false},                            // not JSON's grammar
	{`{"signals":[{"value":.5}]}`, false},                            // not JSON's grammar
	{`{"signals":[{"value":+1}]}`, false},                            // not JSON's grammar
	{`{"signals":[{"value":Infinity}]}`, false},                      // not JSON
	{`{"signals":[{"value":1e999}]}`, false},                         // out of range
	{`{"signals":[{"value":1,}]}`, false},                            // trailing comma
	{`{"signals":[{"value":1}],}`, false},                            // trailing comma
	{`{"signals":[{"account":null,"value":1}]}`, false},              // a null string
	{`{"signals":[null]}`, false},                                    // not an object
	{`{"signals":[7,{"value":1}]}`, false},                           // not an object
	{`{"signals":[]}`, false},                                        // empty
	{`{"signals":[{},{},{},{}]}`, false},                             // too many
	{`{"signals":[{"value":1}]} x`, false},                           // trailing data
	{`{"signals":[{"value":1}]`, false},                              // cut short
	{`[{"value":1}]`, false},                                         // not an object
	{``, false},                                                      // empty
}

// The fast path takes the common shape, and leaves every unusual body,
// each a way to differ from encoding/json, to the general path.
func TestSignalsFastPathTakesTheCommonShapeOnly(t *testing.T) {
	t.Parallel()
	for _, c := range signalBodies {
		require.Equal(t, c.fast, ingest.FastSignalsTakes([]byte(c.body), 3), "%s", c.body)
	}
}

// Whatever body the fast path takes, ParseSignals answers exactly as its
// general path (encoding/json item by item) does.
func FuzzSignalsFastPath(f *testing.F) {
	for _, c := range signalBodies {
		f.Add([]byte(c.body))
	}
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	kinds := valid.BuiltinKinds()
	f.Fuzz(func(t *testing.T, body []byte) {
		if !ingest.FastSignalsTakes(body, 3) {
			return // both answers come from the general path
		}
		sigs, problems, aerr := ingest.ParseSignals(body, 3, kinds, now)
		wantSigs, wantProblems, wantErr := ingest.ParseSignalsGeneral(body, 3, kinds, now)
		require.Equal(t, wantErr, aerr)
		require.Equal(t, wantSigs, sigs)
		require.Equal(t, wantProblems, problems)
	})
}
