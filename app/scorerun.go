package app

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// ScoringStore is what a scoring run needs from the store; *store.Store
// satisfies it.
type ScoringStore interface {
	Accounts(ctx context.Context) ([]scoring.Account, error)
	Features(ctx context.Context, asOf time.Time, metrics []scoring.Metric) (scoring.FeatureSet, error)
	UpsertScores(ctx context.Context, scores []scoring.Score) (int64, error)
}

// ScoreTime is the instant the score of a day is computed at: the end of
// that day (UTC), so every observation made that day counts and an account
// that churned that day is no longer scored.
func ScoreTime(day time.Time) time.Time {
	return scoring.Day(day).AddDate(0, 0, 1).Add(-time.Microsecond)
}

// ScoreSummary is what one scoring run did.
type ScoreSummary struct {
	AsOf    time.Time // the day scored
	Scores  []scoring.Score
	Bands   map[scoring.Band]int
	Written int64
	Took    time.Duration
}

// ComputeScores scores every account alive on day, with features at the
// end of that day, and writes nothing: the dry run and the backtest use it.
// When st is a ProfileStore and cards were not extended yet, the signals no
// scorecard reads join as discovered metrics (Discover, default options);
// a signal key the feature pass meets that has no profile yet refreshes
// the profiles and the pass runs again.
func ComputeScores(ctx context.Context, st ScoringStore, cards scoring.Scorecards, day time.Time) ([]scoring.Score, []scoring.Account, error) {
	if cards.IsZero() {
		cards = scoring.DefaultScorecards()
	}
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return nil, nil, err
	}
	ps, discovers := st.(ProfileStore)
	if discovers && !cards.HasDiscovered() {
		d, err := Discover(ctx, ps, cards, accounts, DiscoveryOptions{})
		if err != nil {
			return nil, nil, err
		}
		cards = d.Cards
	}
	at := ScoreTime(day)
	var features scoring.FeatureSet
	if discovers {
		var unread []string
		if features, unread, err = ps.FeaturesSeen(ctx, at, cards.Catalog().Metrics()); err != nil {
			return nil, nil, err
		}
		var fresh bool
		if cards, fresh, err = discoverNew(ctx, ps, cards, accounts, unread); err != nil {
			return nil, nil, err
		}
		if fresh {
			features, err = st.Features(ctx, at, cards.Catalog().Metrics())
		}
	} else {
		features, err = st.Features(ctx, at, cards.Catalog().Metrics())
	}
	if err != nil {
		return nil, nil, err
	}
	scores := scoring.Compute(scoring.Input{AsOf: at, Accounts: accounts, Features: features, Scorecards: cards})
	return scores, accounts, nil
}

// discoverNew refreshes the profiles when the feature pass met a signal
// key that has none yet, and adds its metric to cards.
func discoverNew(ctx context.Context, ps ProfileStore, cards scoring.Scorecards, accounts []scoring.Account, unread []string) (scoring.Scorecards, bool, error) {
	unread = slices.DeleteFunc(unread, scoring.SkipSignal)
	if len(unread) == 0 {
		return cards, false, nil
	}
	profiles, _, err := ps.MetricProfiles(ctx)
	if err != nil {
		return cards, false, err
	}
	if !slices.ContainsFunc(unread, func(sig string) bool {
		return !slices.ContainsFunc(profiles, func(p scoring.MetricProfile) bool { return p.Signal == sig })
	}) {
		return cards, false, nil // profiled, and left out on purpose (a key taken by another signal)
	}
	d, err := Discover(ctx, ps, cards, accounts, DiscoveryOptions{Force: true})
	if err != nil {
		return cards, false, err
	}
	return d.Cards, true, nil
}

// RunScoring scores the portfolio on day and stores one row per account
// (replacing that day's earlier run). The score command and the scheduled
// run both call it.
func RunScoring(ctx context.Context, st ScoringStore, cards scoring.Scorecards, day time.Time) (ScoreSummary, error) {
	start := time.Now()
	scores, _, err := ComputeScores(ctx, st, cards, day)
	if err != nil {
		return ScoreSummary{}, fmt.Errorf("score %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	n, err := st.UpsertScores(ctx, scores)
	if err != nil {
		return ScoreSummary{}, fmt.Errorf("score %s: %w", scoring.Day(day).Format(time.DateOnly), err)
	}
	return ScoreSummary{AsOf: scoring.Day(day), Scores: scores, Bands: BandCounts(scores), Written: n, Took: time.Since(start)}, nil
}

// BackfillStore is what a backfill needs: scoring, and the features of
// many days in one pass; *store.Store satisfies it.
type BackfillStore interface {
	ScoringStore
	BackfillFeatures(ctx context.Context, asOfs []time.Time, metrics []scoring.Metric, fn func(i int, fs scoring.FeatureSet) error) error
}

// stateDeferringStore is a BackfillStore that can write days without
// refreshing the current state, and refresh it once for all of them.
type stateDeferringStore interface {
	UpsertScoresLeavingState(ctx context.Context, scores []scoring.Score) (int64, error)
	RefreshState(ctx context.Context, accounts []int64, days []time.Time) error
}

// Backfill scores every day of days (ascending) and stores one row per
// account and day, as RunScoring on each day would, but computes the
// features of all the days in one pass over the signals instead of one
// pass per day. cards are used as given (the caller has added the
// discovered metrics). Each day is written in its own transaction, while
// the next day is computed; done hears of each day, in order, as it is
// written. A store that can (stateDeferringStore) refreshes the current
// state once, after the last day, instead of with every day.
func Backfill(ctx context.Context, st BackfillStore, cards scoring.Scorecards, days []time.Time, done func(ScoreSummary)) error {
	if cards.IsZero() {
		cards = scoring.DefaultScorecards()
	}
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	asOfs := make([]time.Time, len(days))
	for i, d := range days {
		asOfs[i] = ScoreTime(d)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The writer stores day i while fn computes day i+1: the write is
	// Postgres's work, the computing ours. BackfillFeatures calls fn only
	// after its scan, so the two never share the store's connection.
	type scored struct {
		day    time.Time
		scores []scoring.Score
	}
	todo := make(chan scored, 1)
	var (
		werr error
		wg   sync.WaitGroup
	)
	// A store that can leave the current state to one refresh at the end
	// gets the days that way: refreshing it after every day cost as much
	// as writing the day.
	write := st.UpsertScores
	later, deferState := st.(stateDeferringStore)
	if deferState {
		write = later.UpsertScoresLeavingState
	}
	var written []time.Time
	wrote := map[int64]bool{}
	wg.Go(func() {
		last := time.Now()
		for d := range todo {
			if werr != nil {
				continue // drain after a failure
			}
			n, err := write(ctx, d.scores)
			if err != nil {
				werr = fmt.Errorf("score %s: %w", d.day.Format(time.DateOnly), err)
				cancel()
				continue
			}
			written = append(written, d.day)
			for _, s := range d.scores {
				wrote[s.AccountID] = true
			}
			done(ScoreSummary{AsOf: d.day, Scores: d.scores, Bands: BandCounts(d.scores), Written: n, Took: time.Since(last)})
			last = time.Now()
		}
	})
	err = st.BackfillFeatures(ctx, asOfs, cards.Catalog().Metrics(), func(i int, fs scoring.FeatureSet) error {
		scores := scoring.Compute(scoring.Input{AsOf: asOfs[i], Accounts: accounts, Features: fs, Scorecards: cards})
		select {
		case todo <- scored{scoring.Day(days[i]), scores}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	close(todo)
	wg.Wait()
	if deferState && len(written) > 0 {
		// Also after a failure or a cancel: the days written are stored,
		// and the state must agree with them. One bounded statement.
		if rerr := later.RefreshState(context.WithoutCancel(ctx), slices.Collect(maps.Keys(wrote)), written); rerr != nil && werr == nil && err == nil {
			return rerr
		}
	}
	if werr != nil {
		return werr // the cause; err is then the cancellation it caused
	}
	return err
}

// BandCounts counts scores per band.
func BandCounts(scores []scoring.Score) map[scoring.Band]int {
	out := map[scoring.Band]int{}
	for _, s := range scores {
		out[s.Band]++
	}
	return out
}

// BacktestExamples scores every account alive at each month-end in
// [from, to] (without writing) and labels it by churn within horizonDays
// after that day.
func BacktestExamples(ctx context.Context, st ScoringStore, cards scoring.Scorecards, monthEnds []time.Time, horizonDays int) ([]scoring.Example, error) {
	var out []scoring.Example
	for _, t := range monthEnds {
		scores, accounts, err := ComputeScores(ctx, st, cards, t)
		if err != nil {
			return nil, fmt.Errorf("backtest %s: %w", t.Format(time.DateOnly), err)
		}
		byID := scoring.AccountsByID(accounts)
		for _, s := range scores {
			out = append(out, scoring.NewExample(s, scoring.ChurnedWithin(byID[s.AccountID], scoring.Day(t), horizonDays)))
		}
	}
	return out, nil
}
