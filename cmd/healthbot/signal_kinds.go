package main

import (
	"context"

	"github.com/healthbot/healthbot/bot"
	"github.com/healthbot/healthbot/ingest/valid"
	"github.com/healthbot/healthbot/store"
)

// signalKinds is the value range of every signal whose kind the scorecards
// in force know (built-in metrics and declared ones), so the REST intake
// and the CSV import refuse a ratio of 85 or a negative ticket count by the
// same table (ingest/valid) the moment a scorecard declares the metric.
func signalKinds(ctx context.Context, st *store.Store, file string) (valid.Kinds, error) {
	var versions bot.ScorecardVersions
	if st != nil { // a nil *store.Store must not become a non-nil interface
		versions = st
	}
	in, err := bot.ScorecardsInForce(ctx, versions, file)
	if err != nil {
		return nil, err
	}
	return valid.KindsOf(in.Cards.Catalog()), nil
}
