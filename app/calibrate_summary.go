package app

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// calibrationMovesShown is how many accounts that would change band the
// diff names; the rest are counted.
const calibrationMovesShown = 10

// Summary is the diff in words: the lines printed by calibrate, stored
// with the version and posted to the ops channel.
func (c Calibration) Summary() string {
	var b strings.Builder
	f := c.Backtest.Fit
	if c.YAML == "" {
		fmt.Fprintf(&b, "Nothing to change: %s.", c.Reason)
		return b.String()
	}
	fmt.Fprintf(&b, "Held-out AUC %.2f (95%% CI %.2f–%.2f) → %.2f (%.2f–%.2f); trained on %d examples (%d churned), tested on %d (%d churned), %s.\n",
		f.AUCCurrent, f.AUCCurrentCI[0], f.AUCCurrentCI[1], f.AUCFitted, f.AUCFittedCI[0], f.AUCFittedCI[1],
		f.TrainN, f.TrainChurned, f.TestN, f.TestChurned, f.SplitNote)
	if f.AUCCurrentCI.Contains(f.AUCFitted) || f.AUCFittedCI.Contains(f.AUCCurrent) {
		b.WriteString("The gain is within the noise (one AUC lies inside the other's 95% interval): weigh the band changes below before approving.\n")
	}
	day := c.Day.Format(time.DateOnly)
	if len(c.Changes) == 0 {
		fmt.Fprintf(&b, "On %s no account would change band (%d scored).\n", day, c.Accounts)
	} else {
		fmt.Fprintf(&b, "On %s, %d of %d accounts would change band (%s).\n", day, len(c.Changes), c.Accounts, moveCounts(c.Changes))
		for i, ch := range c.Changes {
			if i == calibrationMovesShown {
				fmt.Fprintf(&b, "• … and %d more\n", len(c.Changes)-i)
				break
			}
			fmt.Fprintf(&b, "• %s (%s): %s %s → %s %s\n", ch.Account.Name, cmp.Or(ch.Account.Segment, "no segment"),
				BandName(ch.Old.Band), ScoreText(ch.Old), BandName(ch.New.Band), ScoreText(ch.New))
		}
	}
	if w := weightChanges(f.Weights); w != "" {
		fmt.Fprintf(&b, "Weights: %s.\n", w)
	}
	return strings.TrimRight(b.String(), "\n")
}

// moveCounts is "3 yellow → red, 2 green → yellow", most frequent first.
func moveCounts(changes []BandChange) string {
	type move struct{ from, to scoring.Band }
	n := map[move]int{}
	var order []move
	for _, c := range changes {
		m := move{c.Old.Band, c.New.Band}
		if n[m] == 0 {
			order = append(order, m)
		}
		n[m]++
	}
	slices.SortStableFunc(order, func(a, b move) int { return n[b] - n[a] }) // ties: first seen first
	parts := make([]string, 0, len(order))
	for _, m := range order {
		from := BandName(m.from)
		if m.from == "" {
			from = "unscored"
		}
		parts = append(parts, fmt.Sprintf("%d %s → %s", n[m], from, BandName(m.to)))
	}
	return strings.Join(parts, ", ")
}

// weightChanges lists the metrics whose effective weight moves by at least
// one point, largest move first: "logins 0.20 → 0.31, tickets 0.10 → 0".
func weightChanges(ws []scoring.FittedWeight) string {
	type wc struct {
		name     string
		cur, sug float64
	}
	var out []wc
	for _, w := range ws {
		if w.Coefficient == 0 && w.Suggested == 0 {
			continue // no data to fit: nobody sends it, so it never weighed anything
		}
		name := w.Metric
		if w.Suggested > 0 && (w.Flipped || w.DirectionFrom == scoring.DirectionLearned) {
			dir := "lower is better"
			if w.HigherIsBetter {
				dir = "higher is better"
			}
			name += " (" + dir + ", learned)"
		}
		if d := w.Suggested - w.Current; d >= 0.01 || d <= -0.01 || name != w.Metric {
			out = append(out, wc{name, w.Current, w.Suggested})
		}
	}
	slices.SortStableFunc(out, func(a, b wc) int { // largest |change| first; ties keep the fit's order
		return cmp.Compare(math.Abs(b.sug-b.cur), math.Abs(a.sug-a.cur))
	})
	parts := make([]string, 0, len(out))
	for _, x := range out {
		parts = append(parts, fmt.Sprintf("%s %.2f → %.2f", x.name, x.cur, x.sug))
	}
	return strings.Join(parts, ", ")
}
