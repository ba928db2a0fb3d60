package store_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/bot/blocks"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// setupPaged is the state fixture with names that tie and sort differently
// by bytes than by a linguistic collation, segments, MRR and renewal dates,
// and a few accounts never scored.
func setupPaged(t *testing.T, tag string) stateFixture {
	t.Helper()
	f := setupState(t, tag, 40, 9)
	rng := rand.New(rand.NewPCG(9, 10))
	names := []string{"acme", "Acme", "Zeta", "émile", "Éclair", "beta", "Beta"}
	for i, id := range f.ids {
		a := scoring.Account{ExternalID: fmt.Sprintf("%s-%d", tag, i), Name: names[i%len(names)] + " " + tag,
			Segment: []string{"Enterprise", "SMB"}[i%2], MRR: float64(100 * rng.IntN(50)),
			RenewalDate: time.Date(2026, 3, 1+rng.IntN(20), 0, 0, 0, 0, time.UTC)}
		got, err := f.st.UpsertAccount(f.ctx, a)
		require.NoError(t, err)
		require.Equal(t, id, got)
	}
	for i := range 3 { // never scored
		_, err := f.st.UpsertAccount(f.ctx, scoring.Account{ExternalID: fmt.Sprintf("%s-new-%d", tag, i), Name: "acme " + tag, Segment: "SMB"})
		require.NoError(t, err)
	}
	_, err := f.st.UpsertScores(f.ctx, f.all())
	require.NoError(t, err)
	return f
}

func lineRows(lines []store.AccountLine) []blocks.Row {
	out := make([]blocks.Row, len(lines))
	for i, l := range lines {
		out[i] = blocks.Row{ID: l.Account.ID, Name: l.Account.Name, Scored: l.HasScoreRow(), Score: l.Score, Band: l.Band,
			MRR: l.Account.MRR, RenewalDate: l.Account.RenewalDate}
	}
	return out
}

func rowIDs(rows []blocks.Row) []int64 {
	out := make([]int64, len(rows))
	for i, r := range rows {
		out[i] = r.ID
	}
	return out
}

// pages reads f page by page, size rows a page.
func pages(t *testing.T, fx stateFixture, f store.LineFilter, size int) []blocks.Row {
	t.Helper()
	var out []blocks.Row
	for f.Offset, f.Limit = 0, size; ; f.Offset += size {
		lines, err := fx.st.AccountLines(fx.ctx, f)
		require.NoError(t, err)
		require.LessOrEqual(t, len(lines), size)
		out = append(out, lineRows(lines)...)
		if len(lines) < size {
			return out
		}
	}
}

// A list paged in SQL shows, page after page, what the whole list ordered
// in Go shows: blocks.WorstFirst, or the renewals order (at risk by
// scoring.RenewalAtRisk first, then date, then name).
func TestPagedLinesKeepTheListOrder(t *testing.T) {
	t.Parallel()
	f := setupPaged(t, "paged")
	for _, filter := range []store.LineFilter{{}, {Segment: "smb"}, {AtRisk: true}} {
		all, err := f.st.AccountLines(f.ctx, filter)
		require.NoError(t, err)
		want := blocks.WorstFirst(lineRows(all))
		filter.Order = store.WorstFirst
		require.Equal(t, rowIDs(want), rowIDs(pages(t, f, filter, 7)), "%+v", filter)
	}
	today := time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC)
	filter := store.LineFilter{RenewsFrom: today, RenewsTo: today.AddDate(0, 0, 10)}
	all, err := f.st.AccountLines(f.ctx, filter)
	require.NoError(t, err)
	want := lineRows(all)
	require.Greater(t, len(want), 7)
	atRisk := func(r blocks.Row) bool { return scoring.RenewalAtRisk(r.Band, r.RenewalDate, today, 10) }
	sort.SliceStable(want, func(i, j int) bool {
		if ri, rj := atRisk(want[i]), atRisk(want[j]); ri != rj {
			return ri
		}
		if !want[i].RenewalDate.Equal(want[j].RenewalDate) {
			return want[i].RenewalDate.Before(want[j].RenewalDate)
		}
		return want[i].Name < want[j].Name
	})
	filter.Order = store.RenewalsFirst
	require.Equal(t, rowIDs(want), rowIDs(pages(t, f, filter, 7)))
}

// LineTotals are the counts and sums of the whole list, by band as
// blocks.BandCounts counts.
func TestLineTotalsSumTheLines(t *testing.T) {
	t.Parallel()
	f := setupPaged(t, "totals")
	for _, filter := range []store.LineFilter{{}, {Segment: "enterprise"}, {AtRisk: true},
		{RenewsFrom: time.Date(2026, 3, 5, 0, 0, 0, 0, time.UTC), RenewsTo: time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC)}} {
		all, err := f.st.AccountLines(f.ctx, filter)
		require.NoError(t, err)
		rows := lineRows(all)
		want := store.LineTotals{}
		for band, n := range blocks.BandCounts(rows) {
			want[band] = store.BandTotal{Accounts: n}
		}
		for _, r := range rows {
			b := r.Band
			if !r.Scored || !scoring.Scored(b) {
				b = scoring.BandNone
			}
			t := want[b]
			t.MRR += r.MRR
			if scoring.Scored(b) {
				t.ScoreSum += r.Score
			}
			want[b] = t
		}
		got, err := f.st.LineTotals(f.ctx, filter)
		require.NoError(t, err)
		require.Equal(t, len(rows), got.Accounts())
		bands := func(m store.LineTotals) []scoring.Band { return slices.Sorted(maps.Keys(m)) }
		require.Equal(t, bands(want), bands(got), "%+v", filter)
		for b, w := range want {
			require.Equal(t, w.Accounts, got[b].Accounts, "%s %+v", b, filter)
			require.InDelta(t, w.MRR, got[b].MRR, 1e-6, "%s %+v", b, filter)
			if scoring.Scored(b) {
				require.InDelta(t, w.ScoreSum, got[b].ScoreSum, 1e-6, "%s %+v", b, filter)
			}
		}
	}
	_, err := f.st.LineTotals(f.ctx, store.LineFilter{MovedDays: 7})
	require.Error(t, err)
}
