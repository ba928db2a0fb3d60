// Package goldenfile holds the one -update flag of every golden-file test: a
// test hands over what it produced, and gets back the golden content to
// compare it with, or, under -update, the file is rewritten first.
//
//	go test ./bot/... -update   # rewrite, then review the diff
package goldenfile

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with what the tests produce")

// Want returns the content of the golden file at path (under the test's
// package, by convention testdata/) for the test to compare got with.
// Under -update it first writes got there, so the comparison holds and the
// change shows in the diff. A missing file fails the test, saying how to
// create it.
func Want(t testing.TB, path string, got []byte) []byte {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("goldenfile: %v", err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("goldenfile: %v", err)
		}
		return got
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("goldenfile: %v (run the test with -update to create it, then review it)", err)
	}
	return want
}
