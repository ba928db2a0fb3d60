package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/healthbot/healthbot/ingest"
)

// readmeConfigVars is the first column of the README's configuration table:
// the rows between "## Configuration" and the next "## " heading.
func readmeConfigVars(t *testing.T) map[string]bool {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Configuration\n")
	if !ok {
		t.Fatal(`README has no "## Configuration" section`)
	}
	if end := strings.Index(section, "\n## "); end >= 0 {
		section = section[:end]
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)` \\|")
	vars := map[string]bool{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		vars[m[1]] = true
	}
	return vars
}

// TestREADMEConfigTableListsEveryVariable fails when the binary reads an
// environment variable that the README's configuration table does not
// document, or documents one the binary no longer reads: the table is what
// an operator reads, so it must not drift from ParseConfig.
func TestREADMEConfigTableListsEveryVariable(t *testing.T) {
	t.Parallel()
	var read []string
	_, _ = ParseConfig(func(name string) string {
		if !slices.Contains(read, name) {
			read = append(read, name)
		}
		return ""
	})
	if len(read) < 10 {
		t.Fatalf("ParseConfig read only %d variables (%v): the recording getenv is not seeing them", len(read), read)
	}
	documented := readmeConfigVars(t)
	for _, name := range read {
		if !documented[name] {
			t.Errorf("%s is read by the binary but missing from README's configuration table", name)
		}
	}
	for name := range documented {
		if !slices.Contains(read, name) {
			t.Errorf("%s is in README's configuration table but the binary does not read it", name)
		}
	}
}

// TestREADMESendingDataCoversTheContract fails when openapi.yaml gains an
// endpoint the README's "Sending data" section does not mention.
func TestREADMESendingDataCoversTheContract(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Sending data\n")
	if !ok {
		t.Fatal(`README has no "## Sending data" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	paths := regexp.MustCompile(`(?m)^  (/v1/[a-z./]+):`).FindAllStringSubmatch(string(ingest.OpenAPI()), -1)
	if len(paths) < 5 {
		t.Fatalf("found only %d paths in openapi.yaml", len(paths))
	}
	for _, p := range paths {
		short := strings.TrimPrefix(p[1], "/v1")
		if !strings.Contains(section, p[1]) && !strings.Contains(section, "`"+short+"`") && !strings.Contains(section, "`/v1"+short+"`") {
			t.Errorf("README's Sending data section does not mention %s", p[1])
		}
	}
}
