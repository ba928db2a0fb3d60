package blocks_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
)

var digestNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // Monday of 2026-W49

// digestFixture builds a small portfolio through scoring.BuildDigest, so
// the rendering is tested on what the job really produces.
func digestFixture() scoring.Digest {
	dana := scoring.CSM{ID: 1, Name: "Dana Scully", SlackUserID: "U0DANA"}
	lee := scoring.CSM{ID: 2, Name: "Lee <Adama>"}
	acct := func(id int64, name string, owner scoring.CSM, renewDays int, mrr float64) scoring.Account {
		a := scoring.Account{ID: id, Name: name, OwnerID: owner.ID, Owner: owner, MRR: mrr}
		if renewDays > 0 {
			a.RenewalDate = time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, renewDays)
		}
		return a
	}
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	s := func(id int64, v float64, b scoring.Band) scoring.Score {
		return scoring.Score{AccountID: id, AsOf: day, Value: v, Band: b}
	}
	hist := make([]scoring.WeekBands, 8)
	for i := range hist {
		hist[i] = scoring.WeekBands{Day: day.AddDate(0, 0, -7*(7-i)), Bands: map[scoring.Band]int{
			scoring.BandGreen: 3 - i/4, scoring.BandYellow: 2, scoring.BandRed: i / 4, scoring.BandNone: 1,
		}}
	}
	return scoring.BuildDigest(scoring.DigestInput{
		Now: digestNow,
		Accounts: []scoring.Account{
			acct(1, "Acme & Sons", dana, 30, 12400), acct(2, "Beta", dana, 200, 500), acct(3, "Cyan", lee, 60, 3000),
			acct(4, "Delta", lee, 0, 8000), acct(5, "Echo", lee, 0, 50), acct(6, "Foxtrot", dana, 10, 900),
		},
		Today: map[int64]scoring.Score{1: s(1, 35, scoring.BandRed), 2: s(2, 80, scoring.BandGreen), 3: s(3, 55, scoring.BandYellow),
			4: s(4, 75, scoring.BandGreen), 5: {Band: scoring.BandNone}, 6: s(6, 38, scoring.BandRed)},
		LastWeek: map[int64]scoring.Score{1: s(1, 48, scoring.BandYellow), 2: s(2, 70, scoring.BandGreen), 3: s(3, 56, scoring.BandYellow),
			4: s(4, 75, scoring.BandGreen), 6: s(6, 30, scoring.BandRed)},
		Pulses: map[int64]scoring.Pulse{
			1: {Rating: scoring.RatingHealthy, Week: "2026-W48", AnsweredAt: digestNow.AddDate(0, 0, -5)},
			2: {Rating: scoring.RatingPoor, Week: "2026-W48", AnsweredAt: digestNow.AddDate(0, 0, -5)},
		},
		CSMs:      []scoring.CSM{dana, lee},
		Expansion: map[int64]string{4: "Expansion: green (75) and using 95 % of seats"},
		History:   hist,
	})
}

func TestDigestGolden(t *testing.T) {
	t.Parallel()
	v := blocks.DigestView{Digest: digestFixture(), Now: digestNow}
	golden(t, "digest", blocks.DigestBlocks(v), blocks.MaxBlocks)
	v.TextChart = true
	golden(t, "digest_text_chart", blocks.DigestBlocks(v), blocks.MaxBlocks)
	golden(t, "digest_tables", blocks.DigestBlocks(blocks.DigestView{Digest: digestFixture(), Now: digestNow, Tables: true}), blocks.MaxBlocks)
	golden(t, "digest_empty", blocks.DigestBlocks(blocks.DigestView{
		Digest: scoring.BuildDigest(scoring.DigestInput{Now: digestNow}), Now: digestNow,
	}), blocks.MaxBlocks)
	require.Equal(t, "Weekly health digest 2026-W49: 🟢 2 · 🟡 1 · 🔴 2 · 1 account newly red · MRR at risk 16,300",
		blocks.DigestText(v.Digest))
}

func TestDigestContent(t *testing.T) {
	t.Parallel()
	js := mustJSON(t, blocks.DigestBlocks(blocks.DigestView{Digest: digestFixture(), Now: digestNow}))
	for _, want := range []string{
		"🔴 Red *2* · ▲ 1",                                                    // Acme turned red; Foxtrot was red already
		"*Acme &amp; Sons* · 48 → 35 (▼ 13)",                                 // escaped, the biggest drop
		"*Foxtrot* · 30 → 38 (▲ 8) · Dana Scully",                            // rises name the owner, without a mention
		"*🚨 Newly red (1)*",                                                  // Acme only
		"MRR at risk *16,300*",                                               // Acme, Cyan, Foxtrot renew within 90 days
		"Lee &lt;Adama&gt; · 0 of 3 (0 %) · not answered: Delta, Cyan, Echo", // largest MRR first
		"Dana Scully · 2 of 3 (67 %) · not answered: Foxtrot",
		"🙂 Healthy pulse (2026-W48)",
		"\"type\":\"line\"",
	} {
		require.Contains(t, js, want)
	}
	require.NotContains(t, js, "<@U0DANA>", "the digest names CSMs without pinging them")
}

// TestDigestBigPortfolioStaysWithinLimits: thousands of accounts and
// hundreds of CSMs still make one valid message, lists cut with a count.
func TestDigestBigPortfolioStaysWithinLimits(t *testing.T) {
	t.Parallel()
	in := scoring.DigestInput{Now: digestNow, Today: map[int64]scoring.Score{}, LastWeek: map[int64]scoring.Score{},
		Pulses: map[int64]scoring.Pulse{}, Expansion: map[int64]string{}}
	day := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for c := 1; c <= 300; c++ {
		in.CSMs = append(in.CSMs, scoring.CSM{ID: int64(c), Name: fmt.Sprintf("CSM number %03d with a long name", c)})
	}
	for i := int64(1); i <= 6000; i++ {
		owner := in.CSMs[i%300]
		a := scoring.Account{ID: i, Name: fmt.Sprintf("Account %04d %s", i, strings.Repeat("x", 60)), OwnerID: owner.ID, Owner: owner,
			MRR: float64(i), RenewalDate: day.AddDate(0, 0, int(i%80)+1)}
		in.Accounts = append(in.Accounts, a)
		in.Today[i] = scoring.Score{AccountID: i, AsOf: day, Value: 20, Band: scoring.BandRed}
		in.LastWeek[i] = scoring.Score{AccountID: i, AsOf: day.AddDate(0, 0, -7), Value: 60, Band: scoring.BandYellow}
		in.Pulses[i] = scoring.Pulse{Rating: scoring.RatingHealthy, Week: "2026-W48", AnsweredAt: day}
		in.Expansion[i] = strings.Repeat("reason ", 40)
	}
	for w := 0; w < 30; w++ {
		in.History = append(in.History, scoring.WeekBands{Day: day.AddDate(0, 0, -7*(29-w)), Bands: map[scoring.Band]int{scoring.BandRed: w}})
	}
	bs := blocks.DigestBlocks(blocks.DigestView{Digest: scoring.BuildDigest(in), Now: digestNow})
	require.NoError(t, blocks.Check(bs, blocks.MaxBlocks))
	js := mustJSON(t, bs)
	require.Contains(t, js, "…and 5990 more", "newly red: 10 shown of 6,000")
	require.Contains(t, js, "Accounts per band, last 20 weeks", "a chart holds at most 20 points")
	for _, b := range bs {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil {
			require.LessOrEqual(t, len([]rune(s.Text.Text)), blocks.MaxSectionText)
		}
	}
}
