package pulse

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// A check-in page lists the worst scores first; "not enough data" has a
// stored row with score 0 but is not a score, so it goes last with the
// never-scored accounts instead of first.
func TestWorstFirstPutsNotEnoughDataLast(t *testing.T) {
	t.Parallel()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	rows := []store.PulseAccount{
		{ID: 1, Name: "Never", Band: ""},
		{ID: 2, Name: "Thin", ScoreAsOf: day, Band: scoring.BandNone},
		{ID: 3, Name: "Green", ScoreAsOf: day, Score: 80, Band: scoring.BandGreen},
		{ID: 4, Name: "Red", ScoreAsOf: day, Score: 20, Band: scoring.BandRed},
	}
	worstFirst(rows)
	var got []int64
	for _, r := range rows {
		got = append(got, r.ID)
	}
	require.Equal(t, []int64{4, 3, 1, 2}, got)
}
