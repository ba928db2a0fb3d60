package app

import (
	"context"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// DigestStore is what the digest reads; *store.Store has it.
type DigestStore interface {
	DigestInput(ctx context.Context, q store.DigestQuery) (scoring.DigestInput, error)
}

var _ DigestStore = (*store.Store)(nil)

// DigestSources are where the Monday digest is assembled from.
type DigestSources struct {
	Store DigestStore
	// Team adds the managers' report (#17: mostly-green pulses, away CSMs,
	// alert rules' record); nil: left out.
	Team TeamStore
	// Cards hold the alert thresholds a noisy rule is told to tune, the
	// mostly-green lines and the family weights that band the data
	// without the pulse, read at each build; nil: the built-in defaults.
	Cards CardsFunc
}

// AssembleDigest reads the portfolio as it stands at the moment at (in
// at's zone: the digest's day and dates) and builds the digest of that
// moment (scoring.BuildDigest) and, with a TeamStore, the managers'
// report for the digest's pulse week (nil without one). The scheduler
// passes the occurrence (Monday 09:00), so a late catch-up run reports on
// the same week.
func AssembleDigest(ctx context.Context, src DigestSources, at time.Time) (scoring.Digest, *TeamReport, error) {
	in, err := src.Store.DigestInput(ctx, store.DigestQuery{Now: at, Location: at.Location()})
	if err != nil {
		return scoring.Digest{}, nil, fmt.Errorf("digest of %s: %w", at.Format(time.DateOnly), err)
	}
	dg := scoring.BuildDigest(in)
	if src.Team == nil {
		return dg, nil, nil
	}
	cards, err := CardsNow(ctx, src.Cards)
	if err != nil {
		return scoring.Digest{}, nil, fmt.Errorf("digest of %s: %w", at.Format(time.DateOnly), err)
	}
	r, err := BuildTeamReport(ctx, src.Team, at, dg.PulseWeek, cards)
	if err != nil {
		return scoring.Digest{}, nil, fmt.Errorf("digest of %s: %w", at.Format(time.DateOnly), err)
	}
	return dg, &r, nil
}
