package app

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/healthbot/healthbot/scoring"
)

// BandChange is one account whose band other scorecards would change: the
// score dry run and the calibration diff both list them.
type BandChange struct {
	Account  scoring.Account
	Old, New scoring.Score // Old is zero when the account had no score
}

// BandChanges pairs old and new scores by account, worst drop first (then
// by name, so the list repeats).
func BandChanges(accounts []scoring.Account, oldScores, newScores []scoring.Score) []BandChange {
	byID, old := scoring.AccountsByID(accounts), scoring.ScoresByAccount(oldScores)
	var out []BandChange
	for _, n := range newScores {
		o, ok := old[n.AccountID]
		if ok && o.Band == n.Band {
			continue
		}
		out = append(out, BandChange{Account: byID[n.AccountID], Old: o, New: n})
	}
	slices.SortFunc(out, func(a, b BandChange) int {
		return cmp.Or(cmp.Compare(a.New.Value-a.Old.Value, b.New.Value-b.Old.Value), strings.Compare(a.Account.Name, b.Account.Name))
	})
	return out
}

// BandName is a band in words; BandNone reads "not enough data", as on
// every surface that shows a score.
func BandName(b scoring.Band) string {
	if b == scoring.BandNone {
		return "not enough data"
	}
	return string(b)
}

// ScoreText is a score with one decimal, or "–" without one.
func ScoreText(s scoring.Score) string {
	if !s.HasScore() {
		return "–"
	}
	return fmt.Sprintf("%.1f", s.Value)
}
