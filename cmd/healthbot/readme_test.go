package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
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
