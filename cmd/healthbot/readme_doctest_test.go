package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/store/storetest"
)

// asCLI makes this test binary behave as the healthbot binary, so the
// README's shell blocks can run `healthbot …` without a separate build
// (TestMain below checks it before running any test).
const asCLI = "HEALTHBOT_TEST_BINARY_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(asCLI) == "1" {
		os.Exit(run(context.Background(), os.Args[1:], ioStreams{in: os.Stdin, out: os.Stdout, err: os.Stderr}, os.Getenv))
	}
	storetest.Main(m) // drops the schemas the tests leave for reuse
}

// docBlock is a shell block of the README marked to run as a test.
type docBlock struct {
	name, script string
	line         int
}

// doctestRE finds "<!-- doctest: NAME -->" followed by a ```sh block.
var doctestRE = regexp.MustCompile("(?s)<!-- doctest: ([a-z0-9-]+) -->\n```sh\n(.*?)```")

func readmeDocBlocks(t *testing.T) []docBlock {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	var out []docBlock
	for _, m := range doctestRE.FindAllSubmatchIndex(b, -1) {
		out = append(out, docBlock{name: string(b[m[2]:m[3]]), script: string(b[m[4]:m[5]]),
			line: 1 + strings.Count(string(b[:m[0]]), "\n")})
	}
	return out
}

// TestREADMEWalkthroughsRun runs the README's marked shell blocks, in
// order and per walkthrough name, in a scratch folder against a fresh
// database, with `healthbot` on PATH: a renamed flag or a changed command
// breaks this test instead of a reader's afternoon.
func TestREADMEWalkthroughsRun(t *testing.T) {
	t.Parallel()
	blocks := readmeDocBlocks(t)
	if len(blocks) == 0 {
		t.Fatal("README has no <!-- doctest: NAME --> blocks")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	shim := "#!/bin/sh\n" + asCLI + "=1 exec " + shellQuote(self) + " \"$@\"\n"
	if err := os.WriteFile(filepath.Join(bin, "healthbot"), []byte(shim), 0o755); err != nil {
		t.Fatal(err)
	}
	byName := map[string][]docBlock{}
	var names []string
	for _, b := range blocks {
		if _, seen := byName[b.name]; !seen {
			names = append(names, b.name)
		}
		byName[b.name] = append(byName[b.name], b)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			env := []string{
				"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
				"HOME=" + dir,
				"DATABASE_URL=" + storetest.SchemaURL(t),
				"TZ=UTC",
			}
			for _, b := range byName[name] {
				cmd := exec.Command("bash", "-euo", "pipefail", "-c", b.script)
				cmd.Dir, cmd.Env = dir, env
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("README.md:%d (%s) failed: %v\n--- script\n%s--- output\n%s", b.line, name, err, b.script, out)
				}
			}
		})
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
