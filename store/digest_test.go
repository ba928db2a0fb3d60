package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

func TestDigestInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, ny) // Monday of 2026-W49
	sunday := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)

	csm, err := s.EnsureCSM(ctx, "dana@example.com", "U1", "Dana")
	require.NoError(t, err)
	acct := func(ext string) int64 {
		id, err := s.UpsertAccount(ctx, scoring.Account{ExternalID: ext, Name: ext, OwnerID: csm, MRR: 100})
		require.NoError(t, err)
		return id
	}
	a, b, stale := acct("a"), acct("b"), acct("stale")
	score := func(id int64, day time.Time, v float64, band scoring.Band) scoring.Score {
		return scoring.Score{AccountID: id, AsOf: day, Scorecard: "default", Value: v, Band: band, Confidence: 1}
	}
	var scores []scoring.Score
	for w := 0; w < 10; w++ { // weekly history: a green, b drifting from green to red
		day := sunday.AddDate(0, 0, -7*w)
		scores = append(scores, score(a, day, 80, scoring.BandGreen))
		band := scoring.BandGreen
		if w < 2 {
			band = scoring.BandRed
		}
		scores = append(scores, score(b, day, 30+5*float64(w), band))
	}
	scores = append(scores, score(stale, sunday.AddDate(0, 0, -20), 50, scoring.BandYellow),
		score(a, sunday.AddDate(0, 0, 2), 10, scoring.BandRed)) // after the digest's day: not seen
	_, err = s.UpsertScores(ctx, scores)
	require.NoError(t, err)

	for _, p := range []scoring.Pulse{
		{AccountID: a, CSMID: csm, Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: sunday.AddDate(0, 0, -5)},
		{AccountID: b, CSMID: csm, Rating: scoring.RatingHealthy, Week: "2026-W47", AnsweredAt: sunday.AddDate(0, 0, -12)},
	} {
		require.NoError(t, s.IntakePulse(ctx, p))
	}
	_, ok, err := s.InsertAlert(ctx, store.NewAlert{AccountID: a, Kind: scoring.AlertExpansion, DedupKey: "expansion:a", Summary: "using 95 % of seats", FiredAt: sunday})
	require.NoError(t, err)
	require.True(t, ok)
	_, ok, err = s.InsertAlert(ctx, store.NewAlert{AccountID: b, Kind: scoring.AlertTurnedRed, DedupKey: "red:b", Summary: "turned red", FiredAt: sunday})
	require.NoError(t, err)
	require.True(t, ok)

	in, err := s.DigestInput(ctx, store.DigestQuery{Now: now, Location: ny, HistoryWeeks: 8})
	require.NoError(t, err)
	require.Len(t, in.Accounts, 3)
	require.Len(t, in.CSMs, 1)
	require.Equal(t, map[int64]scoring.Band{a: scoring.BandGreen, b: scoring.BandRed}, bands(in.Today),
		"the newest score up to Monday; the stale account's is older than a week")
	require.True(t, in.Today[a].AsOf.Equal(sunday))
	require.Equal(t, map[int64]scoring.Band{a: scoring.BandGreen, b: scoring.BandRed}, bands(in.LastWeek))
	require.Equal(t, 35.0, in.LastWeek[b].Value)

	require.Len(t, in.History, 8)
	require.True(t, in.History[7].Day.Equal(sunday))
	require.True(t, in.History[0].Day.Equal(sunday.AddDate(0, 0, -49)))
	require.Equal(t, map[scoring.Band]int{scoring.BandGreen: 1, scoring.BandRed: 1}, in.History[7].Bands)
	// A mark shows the bands of the newest scoring day in the week up to it
	// (per-day counts kept with the current state); a daily run scores every
	// live account, so that is the portfolio. The stale account's lone score
	// three days before a weekly scoring day is not one a mark shows.
	require.Equal(t, map[scoring.Band]int{scoring.BandGreen: 2}, in.History[5].Bands)
	require.Equal(t, map[scoring.Band]int{scoring.BandGreen: 2}, in.History[4].Bands)

	require.Equal(t, "2026-W48", in.PulseWeek)
	require.Equal(t, map[int64]bool{a: true}, in.Answered)
	require.Equal(t, scoring.RatingHealthy, in.Pulses[b].Rating)
	require.Equal(t, map[int64]string{a: "using 95 % of seats"}, in.Expansion, "live expansion alerts only")

	d := scoring.BuildDigest(in)
	require.Len(t, d.NewlyRed, 0, "b was already red a week ago")
	require.Len(t, d.Disagreements, 2, "a: Poor pulse, green score; b: Healthy pulse, red score")
}

func TestDigestInputWithoutScores(t *testing.T) {
	t.Parallel()
	s := storetest.Store(t)
	in, err := s.DigestInput(context.Background(), store.DigestQuery{Now: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)})
	require.NoError(t, err)
	require.Empty(t, in.Today)
	require.Empty(t, in.History)
	require.Equal(t, "2026-W48", in.PulseWeek)
}

func bands(m map[int64]scoring.Score) map[int64]scoring.Band {
	out := map[int64]scoring.Band{}
	for id, s := range m {
		out[id] = s.Band
	}
	return out
}
