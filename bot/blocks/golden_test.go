package blocks_test

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/healthbot/healthbot/internal/goldenfile"
)

// golden compares bs, as Slack would receive it, with testdata/name.json
// and checks Block Kit limits.
func golden(t *testing.T, name string, bs []slack.Block, maxBlocks int) {
	t.Helper()
	if err := checkLimits(bs, maxBlocks); err != nil {
		t.Errorf("%s breaks Block Kit limits: %v", name, err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // readable goldens: "<@U1>" rather than "\u003c@U1\u003e"
	enc.SetIndent("", "  ")
	if err := enc.Encode(bs); err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".json")
	want := goldenfile.Want(t, path, got)
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (run go test ./bot/blocks -update and review the diff):\n%s", name, path, got)
	}
	// The golden JSON must also read back as blocks, as Slack's echo would.
	var back slack.Blocks
	if err := json.Unmarshal(got, &back); err != nil {
		t.Errorf("%s does not unmarshal as blocks: %v", name, err)
	} else if len(back.BlockSet) != len(bs) {
		t.Errorf("%s: %d blocks read back, want %d", name, len(back.BlockSet), len(bs))
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// Un-escape \u003c and friends so checks read like what Slack renders.
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(b))
}
