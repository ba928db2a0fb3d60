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

// pulseWorld is two CSMs, one inactive, with live and churned accounts.
type pulseWorld struct {
	ann, bob, gone         int64
	acme, beta, gamma, old int64
}

func seedPulseWorld(t *testing.T, s *store.Store) pulseWorld {
	t.Helper()
	ctx := context.Background()
	var w pulseWorld
	var err error
	w.ann, err = s.EnsureCSM(ctx, "ann@example.com", "UANN", "Ann")
	require.NoError(t, err)
	w.bob, err = s.EnsureCSM(ctx, "bob@example.com", "", "Bob")
	require.NoError(t, err)
	w.gone, err = s.EnsureCSM(ctx, "gone@example.com", "UGONE", "Gone")
	require.NoError(t, err)
	_, err = s.DB().Exec(ctx, "UPDATE csm SET active = false WHERE id = $1", w.gone)
	require.NoError(t, err)
	acct := func(name string, owner int64, churned bool) int64 {
		a := scoring.Account{ExternalID: name, Name: name, OwnerID: owner}
		if churned {
			a.ChurnedAt = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		id, err := s.UpsertAccount(ctx, a)
		require.NoError(t, err)
		return id
	}
	w.acme, w.beta, w.old = acct("Acme", w.ann, false), acct("Beta", w.ann, false), acct("Old", w.ann, true)
	w.gamma = acct("Gamma", w.bob, false)
	acct("Ghost", w.gone, false)
	return w
}

func TestPulseOwnersAndAccounts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	w := seedPulseWorld(t, s)

	owners, err := s.PulseOwners(ctx)
	require.NoError(t, err)
	require.Len(t, owners, 2, "inactive CSMs get no check-in")
	require.Equal(t, "UANN", owners[0].CSM.SlackUserID)
	require.Equal(t, 2, owners[0].Accounts, "churned accounts are not live")
	require.Equal(t, "bob@example.com", owners[1].CSM.Email)

	ids, err := s.PulseOwnedAccountIDs(ctx, w.ann)
	require.NoError(t, err)
	require.Equal(t, []int64{w.acme, w.beta}, ids)

	_, err = s.UpsertScores(ctx, []scoring.Score{{AccountID: w.acme, AsOf: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
		Scorecard: "default", Value: 31, Band: scoring.BandRed, Confidence: 1}})
	require.NoError(t, err)
	earlier := time.Date(2026, 11, 10, 9, 0, 0, 0, time.UTC)
	require.NoError(t, s.IntakePulse(ctx, scoring.Pulse{AccountID: w.acme, CSMID: w.ann, Rating: scoring.RatingHealthy, Week: "2026-W46", AnsweredAt: earlier, Source: "slack"}))

	rows, err := s.PulseAccounts(ctx, []int64{w.beta, w.acme}, "2026-W48")
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, w.beta, rows[0].ID, "rows keep the order asked for")
	require.False(t, rows[0].Scored())
	require.Nil(t, rows[0].Last)
	acme := rows[1]
	require.True(t, acme.Scored())
	require.Equal(t, 31.0, acme.Score)
	require.Equal(t, scoring.BandRed, acme.Band)
	require.NotNil(t, acme.Last)
	require.Equal(t, "2026-W46", acme.Last.Week)
	require.Nil(t, acme.Answer, "no answer for W48 yet")
}

func TestRecordPulseRatingKeepsOneRowAndTheNote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	w := seedPulseWorld(t, s)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	require.NoError(t, s.IntakePulse(ctx, scoring.Pulse{AccountID: w.acme, CSMID: w.ann, Rating: scoring.RatingConcerning,
		Reasons: []string{"budget_cut"}, Note: "CFO review", Week: "2026-W48", AnsweredAt: at, Source: "slack"}))
	id1, err := s.RecordPulseRating(ctx, scoring.Pulse{AccountID: w.acme, CSMID: w.ann, Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: at.Add(time.Minute)})
	require.NoError(t, err)
	id2, err := s.RecordPulseRating(ctx, scoring.Pulse{AccountID: w.acme, CSMID: w.ann, Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: at.Add(2 * time.Minute)})
	require.NoError(t, err)
	require.Equal(t, id1, id2, "the same account and week is one row")

	rows, err := s.PulseAccounts(ctx, []int64{w.acme}, "2026-W48")
	require.NoError(t, err)
	a := rows[0].Answer
	require.NotNil(t, a)
	require.Equal(t, scoring.RatingPoor, a.Rating)
	require.Equal(t, []string{"budget_cut"}, a.Reasons, "a rating click keeps the week's reasons")
	require.Equal(t, "CFO review", a.Note)
	require.Equal(t, w.ann, a.CSMID)

	_, err = s.RecordPulseRating(ctx, scoring.Pulse{AccountID: 999999, Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: at})
	require.ErrorIs(t, err, store.ErrNotFound, "a deleted account reads as not found")
}

func TestPulseMessagesAndSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	w := seedPulseWorld(t, s)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

	for page, ids := range [][]int64{{w.acme}, {w.beta}} {
		require.NoError(t, s.SavePulseMessage(ctx, store.PulseMessage{CSMID: w.ann, Week: "2026-W48", Kind: store.PulseCheckin,
			Page: page, ChannelID: "DANN", TS: "1." + string(rune('0'+page)), AccountIDs: ids, SentAt: at.Add(time.Duration(page) * time.Second)}))
	}
	require.NoError(t, s.SavePulseMessage(ctx, store.PulseMessage{CSMID: w.ann, Week: "2026-W48", Kind: store.PulseReminder,
		ChannelID: "DANN", TS: "2.0", AccountIDs: []int64{w.beta}, SentAt: at.Add(48 * time.Hour)}))

	m, err := s.PulseMessageAt(ctx, "DANN", "1.1")
	require.NoError(t, err)
	require.Equal(t, 1, m.Page)
	require.Equal(t, []int64{w.beta}, m.AccountIDs)
	_, err = s.PulseMessageAt(ctx, "DANN", "9.9")
	require.ErrorIs(t, err, store.ErrNotFound)

	all, err := s.PulseMessagesOf(ctx, w.ann, "2026-W48")
	require.NoError(t, err)
	require.Len(t, all, 3)
	require.Equal(t, store.PulseCheckin, all[0].Kind)

	sent, err := s.PulseSentMessages(ctx, []string{"2026-W48", "2026-W47"})
	require.NoError(t, err)
	require.ElementsMatch(t, []store.PulseSent{
		{CSMID: w.ann, Week: "2026-W48", Kind: store.PulseCheckin, Pages: 2, FirstSent: at},
		{CSMID: w.ann, Week: "2026-W48", Kind: store.PulseReminder, Pages: 1, FirstSent: at.Add(48 * time.Hour)},
	}, normaliseSent(sent))

	ok, err := s.ClaimJobRun(ctx, "pulse:1", "2026-W48", "a", at, time.Hour)
	require.NoError(t, err)
	require.True(t, ok)
	done, err := s.PulseFinishedSlots(ctx, []string{"2026-W48"})
	require.NoError(t, err)
	require.Empty(t, done, "a running claim is not done")
	require.NoError(t, s.FinishJobRun(ctx, "pulse:1", "2026-W48", "a", at, nil))
	_, err = s.ClaimJobRun(ctx, "digest", "2026-W48", "a", at, time.Hour)
	require.NoError(t, err)
	require.NoError(t, s.FinishJobRun(ctx, "digest", "2026-W48", "a", at, nil))
	done, err = s.PulseFinishedSlots(ctx, []string{"2026-W48"})
	require.NoError(t, err)
	require.Equal(t, map[string]bool{"pulse:1|2026-W48": true}, done, "other jobs are not pulse claims")
}

func normaliseSent(in []store.PulseSent) []store.PulseSent {
	for i := range in {
		in[i].FirstSent = in[i].FirstSent.UTC()
	}
	return in
}

func TestPulseCompletion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.Store(t)
	w := seedPulseWorld(t, s)
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	require.NoError(t, s.IntakePulse(ctx, scoring.Pulse{AccountID: w.gamma, CSMID: w.bob, Rating: scoring.RatingHealthy, Week: "2026-W48", AnsweredAt: at, Source: "slack"}))
	require.NoError(t, s.IntakePulse(ctx, scoring.Pulse{AccountID: w.acme, CSMID: w.ann, Rating: scoring.RatingPoor, Week: "2026-W47", AnsweredAt: at.AddDate(0, 0, -7), Source: "slack"}))

	gaps, err := s.PulseCompletion(ctx, "2026-W48")
	require.NoError(t, err)
	require.Len(t, gaps, 2)
	require.Equal(t, "Ann", gaps[0].CSM.Name, "least complete first")
	require.Equal(t, 2, gaps[0].Total)
	require.Equal(t, 0, gaps[0].Answered, "last week's answer does not count")
	require.Equal(t, []string{"Acme", "Beta"}, gaps[0].Missing)
	require.Equal(t, store.PulseGap{CSM: scoring.CSM{ID: w.bob, Email: "bob@example.com", Name: "Bob", Active: true}, Total: 1, Answered: 1, Missing: []string{}}, gaps[1])
}
