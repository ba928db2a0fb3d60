package pulse_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

func TestHealthPulseCommandRecordsAndConfirms(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "U1", "UTC") // bottest.Command sends as U1
	acme := e.account(t, "Acme Corp", ann, 80)
	e.account(t, "Healthy Pets", ann, 80)

	e.command(t, "U1", "pulse acme poor champion left, budget cut: new CFO is cutting tools", "cmd")
	got := e.answer(t, acme.ID, "2026-W48")
	require.NotNil(t, got)
	require.Equal(t, scoring.RatingPoor, got.Rating)
	require.Equal(t, []string{"champion_left", "budget_cut"}, got.Reasons)
	require.Equal(t, "new CFO is cutting tools", got.Note)
	require.Equal(t, ann.ID, got.CSMID)
	post := e.hooks.WaitFor(t, "cmd")
	require.NotEqual(t, "in_channel", post.Message.ResponseType, "the confirmation is ephemeral")
	require.Contains(t, post.Message.Text, "Recorded 🙁 *Poor* for *Acme Corp* (2026-W48) — Champion left, Budget cut")

	// Again the same week: the answer changes, no second row.
	e.command(t, "U1", "pulse Acme Corp concerning", "again")
	require.Equal(t, 1, pulseRows(t, e.st, acme.ID, "2026-W48"))
	require.Equal(t, scoring.RatingConcerning, e.answer(t, acme.ID, "2026-W48").Rating)

	// An account named with a rating word still resolves.
	e.command(t, "U1", "pulse healthy pets healthy expanding", "pets")
	require.Contains(t, e.hooks.WaitFor(t, "pets").Message.Text, "*Healthy Pets*")
}

func TestHealthPulseCommandExplainsBadInput(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "U1", "UTC")
	e.account(t, "Acme Corp", ann, 80)

	e.command(t, "U1", "pulse acme", "norating")
	require.Contains(t, e.hooks.WaitFor(t, "norating").Message.Text, "Ratings: healthy, concerning, poor")

	e.command(t, "U1", "pulse zzyzx poor", "unknown")
	require.Contains(t, e.hooks.WaitFor(t, "unknown").Message.Text, "zzyzx")
}

// A 100,000-character note was stored from /health pulse while
// /v1/pulses caps notes at 3,000: one cap for every path.
func TestHealthPulseCommandCapsTheNoteLikeTheAPI(t *testing.T) {
	t.Parallel()
	e := newPulseEnv(t, pulseMonday, pulseOpts{})
	ann := e.csm(t, "Ann", "U1", "UTC")
	acme := e.account(t, "Acme Corp", ann, 80)

	e.command(t, "U1", "pulse acme poor "+strings.Repeat("x", 100_000), "long")
	require.Contains(t, e.hooks.WaitFor(t, "long").Message.Text, "the note is longer than 3000 characters")
	require.Zero(t, pulseRows(t, e.st, acme.ID, "2026-W48"), "nothing stored")

	e.command(t, "U1", "pulse acme poor a\x00b", "nul")
	require.Contains(t, e.hooks.WaitFor(t, "nul").Message.Text, "contains a NUL character")
	require.Zero(t, pulseRows(t, e.st, acme.ID, "2026-W48"))
}
