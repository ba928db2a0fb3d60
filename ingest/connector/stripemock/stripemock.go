// Package stripemock starts stripe-mock, Stripe's own mock of its API, for
// tests. It is not installed by go.mod: install it with
//
//	go install github.com/stripe/stripe-mock@v0.203.0
package stripemock

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Version is the stripe-mock the tests are written against.
const Version = "v0.203.0"

// Start runs stripe-mock on a free port until the test ends and returns
// its base URL. Without stripe-mock the test fails saying how to install it.
func Start(t testing.TB) string {
	t.Helper()
	bin := find()
	if bin == "" {
		t.Fatalf("stripe-mock is not installed: run `go install github.com/stripe/stripe-mock@%s` "+
			"(it lands in $(go env GOPATH)/bin; .ci/run does this)", Version)
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatalf("start stripe-mock: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		_ = pw.Close()
	})
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		const marker = "Listening for HTTP at address: "
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), marker); ok {
				addr <- a
			}
		}
	}()
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(time.Minute):
		t.Fatalf("stripe-mock did not say where it listens within a minute")
		return ""
	}
}

func find() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(strings.Split(gopath, string(os.PathListSeparator))[0], "bin", "stripe-mock")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}
