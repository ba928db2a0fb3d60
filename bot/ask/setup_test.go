package ask_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot"
	"github.com/healthbot/healthbot/bot/ask"
	"github.com/healthbot/healthbot/bot/ask/asktest"
	"github.com/healthbot/healthbot/bot/bottest"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// now is the tests' clock: Monday 2 March 2026, 10:00 UTC.
var now, today = asktest.Now, asktest.Today

type options struct {
	script []step                    // the model's replies; none means no model configured
	tweak  func(*ask.Config)         // config changes
	pool   bool                      // a fresh schema with its own pool instead of a rolled-back transaction
	seed   func(*testing.T, fixture) // extra rows
	// Slack end to end (setupSlack): the assistant pane, streaming and
	// feedback on, and the fake Slack's answers.
	assistant  bool
	slackReply bottest.ReplyFunc
}

type bundle struct {
	asker *ask.Asker
	model *fakeModel // nil without a model
	st    *store.Store
	fx    fixture
}

func setup(t *testing.T, o options) bundle {
	t.Helper()
	var st *store.Store
	if o.pool {
		st = store.New(storetest.Schema(t))
	} else {
		st = storetest.Store(t)
	}
	fx := seed(t, st)
	if o.seed != nil {
		o.seed(t, fx)
	}
	cfg := ask.Config{
		Metrics: []scoring.Metric{{Key: "active_user_ratio", Family: scoring.FamilyUsage, Label: "Active users", HigherIsBetter: true, Feature: scoring.FeatureLatest}},
		Now:     func() time.Time { return now },
	}
	b := bundle{st: st, fx: fx}
	var client ask.ChatClient
	if o.script != nil {
		b.model = newFakeModel(t, o.script...)
		c, err := ask.NewClient("test-key", b.model.baseURL(), b.model.srv.Client())
		require.NoError(t, err)
		client, cfg.Model = c, "test-model"
	}
	if o.tweak != nil {
		o.tweak(&cfg)
	}
	a, err := ask.New(st, client, cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	b.asker = a
	return b
}

// fixture is asktest's portfolio.
type fixture = asktest.Fixture

func seed(t *testing.T, st *store.Store) fixture { return asktest.Seed(t, st) }

// userError asserts err is a user-safe error with this code.
func userError(t *testing.T, err error, code string) *healthbot.Error {
	t.Helper()
	require.Error(t, err)
	ue, ok := err.(*healthbot.Error)
	require.True(t, ok, "want *healthbot.Error, got %T: %v", err, err)
	require.Equal(t, code, ue.Code, ue.Message)
	require.NotContains(t, ue.Message, "goroutine")
	require.NotContains(t, ue.Message, "scripted failure", "the raw model error stays in the log")
	return ue
}
