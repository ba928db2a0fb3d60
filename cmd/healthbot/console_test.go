package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/healthbot/healthbot/bot/healthtest"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestConsoleCommand(t *testing.T) {
	t.Parallel()
	url := storetest.SchemaURL(t)
	ctx := context.Background()
	pool, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	healthtest.New(t, store.New(pool), time.Now()).Seed()

	for _, tt := range []struct {
		args   []string
		env    map[string]string
		input  string
		want   []string
		stderr string
		code   int
	}{
		{args: []string{"console", "--as", "bob@example.com"}, input: "/health\n", code: 0,
			want: []string{"Portfolio of Bob Stone", "Globex Corporation"}}, // Bob has no Slack id: found by email
		{args: []string{"console", "--as", "U0JANE", "--text-charts"}, input: "/health acme\n", code: 0,
			want: []string{"Acme\n====", "🔴 35 / 100", "`▆▆▆▅▅▅▄▄▃` 9 weeks", "[1: Share in channel]"}},
		{args: []string{"console"}, input: "acmee\n", code: 0,
			want: []string{"No account named “acmee”. Did you mean: Acme, Acme Labs?"}},
		{args: []string{"console", "--as", "U0JANE"}, env: map[string]string{"HEALTHBOT_CHARTS": "text"}, input: "acme\n", code: 0,
			want: []string{"`▆▆▆▅▅▅▄▄▃` 9 weeks"}},
		{args: []string{"console"}, env: map[string]string{"HEALTHBOT_CHARTS": "pie"}, code: 1, stderr: "HEALTHBOT_CHARTS"},
		{args: []string{"console", "--as", "nobody@example.com"}, code: 2},
		{args: []string{"console", "extra"}, code: 2},
	} {
		var out, errOut stringsBuilder
		code := run(ctx, tt.args, ioStreams{in: strings.NewReader(tt.input), out: &out, err: &errOut},
			func(k string) string {
				if k == "DATABASE_URL" {
					return url
				}
				return tt.env[k]
			})
		if code != tt.code {
			t.Errorf("%v: exit %d, want %d; stderr: %s", tt.args, code, tt.code, errOut.String())
		}
		if !strings.Contains(errOut.String(), tt.stderr) {
			t.Errorf("%v: stderr lacks %q: %s", tt.args, tt.stderr, errOut.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%v: output lacks %q:\n%s", tt.args, w, out.String())
			}
		}
	}

	// The console is read-only: --as an email never links "U0CONSOLE" to
	// the CSM (it would show up as the owner of real accounts).
	bob, err := store.New(pool).CSMByEmail(ctx, "bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if bob.SlackUserID != "" {
		t.Errorf("the console wrote Slack id %q onto Bob", bob.SlackUserID)
	}
}
