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

func TestAskConfig(t *testing.T) {
	t.Parallel()
	env := func(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }
	cfg, err := ParseConfig(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AskMaxRounds != 5 || cfg.AskTimeout != 30*time.Second {
		t.Errorf("defaults: rounds %d, timeout %s; want 5, 30s", cfg.AskMaxRounds, cfg.AskTimeout)
	}
	cfg, err = ParseConfig(env(map[string]string{"HEALTHBOT_ASK_MAX_ROUNDS": "3", "HEALTHBOT_ASK_TIMEOUT": "1m"}))
	if err != nil || cfg.AskMaxRounds != 3 || cfg.AskTimeout != time.Minute {
		t.Errorf("got %d, %s, %v; want 3, 1m", cfg.AskMaxRounds, cfg.AskTimeout, err)
	}
	for name, val := range map[string]string{"HEALTHBOT_ASK_MAX_ROUNDS": "0", "HEALTHBOT_ASK_TIMEOUT": "soon"} {
		_, err := ParseConfig(env(map[string]string{name: val}))
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%s: error %v should name the variable", name, val, err)
		}
	}
	_, err = ParseConfig(env(map[string]string{"HEALTHBOT_ASK_MAX_ROUNDS": "many"}))
	if err == nil || !strings.Contains(err.Error(), `is "many"; want a whole number from 1 to 20`) {
		t.Errorf("error %v", err)
	}
}

// TestConsoleAnswersQuestions runs questions through the console without a
// model: the built-in parser answers from the database.
func TestConsoleAnswersQuestions(t *testing.T) {
	t.Parallel()
	url := storetest.SchemaURL(t)
	ctx := context.Background()
	pool, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	healthtest.New(t, store.New(pool), time.Now()).Seed()

	var out, errOut stringsBuilder
	input := "/health which accounts are at risk?\n/health what is the weather like today\n/health which accounts have the most seats per admin\n"
	code := run(ctx, []string{"console"}, ioStreams{in: strings.NewReader(input), out: &out, err: &errOut},
		func(k string) string {
			if k == "DATABASE_URL" {
				return url
			}
			return ""
		})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, w := range []string{
		"1 account is red, worst first", "• Acme — 🔴 35", // at risk, from the seeded scores
		"I only answer questions about your accounts",                      // off-topic
		"I can't answer that one without a language model", "OPENAI_MODEL", // needs the model
	} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("console output lacks %q:\n%s", w, out.String())
		}
	}
}
