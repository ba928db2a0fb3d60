package app

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

// The red line an alert compares with: a fixed-band scorecard's yellow
// line; a quartile scorecard's lowest score the day did not band red (0
// at least), or the default yellow line on a day it scored nobody.
func TestRedLines(t *testing.T) {
	t.Parallel()
	cards, err := scoring.ParseScorecards([]byte("scorecards:\n  - name: smb\n    match: {segments: [SMB]}\n    bands: quartiles\n  - name: quiet\n    match: {segments: [Quiet]}\n    bands: quartiles\n"))
	require.NoError(t, err)
	today := []scoring.Score{
		{Scorecard: "smb", Value: 12, Band: scoring.BandRed},
		{Scorecard: "smb", Value: 31, Band: scoring.BandYellow},
		{Scorecard: "smb", Value: 55, Band: scoring.BandGreen},
	}
	lines := redLines(cards, today)
	require.InDelta(t, 31, lines["smb"], 1e-9, "the lowest score not banded red")
	require.InDelta(t, scoring.DefaultBands().Yellow, lines["quiet"], 1e-9, "nobody scored: the default line")
	for _, c := range cards.All() {
		if c.Bands.Mode != scoring.BandsQuartiles {
			require.InDelta(t, c.Bands.Yellow, lines[c.Name], 1e-9, "fixed bands: the yellow line of %s", c.Name)
		}
	}
}
