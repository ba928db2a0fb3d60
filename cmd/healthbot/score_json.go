package main

import (
	"context"
	"io"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// scoreJSON is what `score --json` prints: one object for the whole run.
type scoreJSON struct {
	Scorecards string         `json:"scorecards"` // where the scorecards came from
	Days       []scoreDayJSON `json:"days"`       // oldest first
	Written    int64          `json:"written"`    // score rows written over all days
}

// scoreDayJSON is one day of a scoring run.
type scoreDayJSON struct {
	AsOf     string         `json:"as_of"`    // YYYY-MM-DD
	Accounts int            `json:"accounts"` // accounts alive that day, each scored
	Bands    map[string]int `json:"bands"`    // green, yellow, red and none (not enough data)
	Written  int64          `json:"written"`
}

// scoreAsJSON is `score --json`: the same run as the lines for people
// (metric discovery, then the days through scoreDays), printed as one
// scoreJSON object and nothing else.
func scoreAsJSON(ctx context.Context, e *env, st *store.Store, cards scoring.Scorecards, src string, days []time.Time) error {
	quiet := *e
	quiet.out = io.Discard // discovery's lines for people
	cards, err := discoverMetrics(ctx, &quiet, st, cards, days[len(days)-1])
	if err != nil {
		return err
	}
	run := scoreJSON{Scorecards: src, Days: make([]scoreDayJSON, 0, len(days))}
	err = scoreDays(ctx, st, cards, days, func(sum app.ScoreSummary) {
		bands := map[string]int{}
		for _, b := range scoring.BandOrder() {
			bands[string(b)] = sum.Bands[b]
		}
		run.Days = append(run.Days, scoreDayJSON{AsOf: sum.AsOf.Format(time.DateOnly), Accounts: len(sum.Scores), Bands: bands, Written: sum.Written})
		run.Written += sum.Written
	})
	if err != nil {
		return err
	}
	return writeJSON(e.out, run)
}
