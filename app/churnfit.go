package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// FitStore is what fitting the weights on the churn history reads;
// *store.Store satisfies it. Discovery needs the profiles, the month-end
// range needs the span of the signals.
type FitStore interface {
	ProfileStore
	SignalSpan(ctx context.Context) (first, last time.Time, ok bool, err error)
}

// FitParams say what FitOnChurn runs over; zero From/To are derived from
// the signal history, zero Split is automatic, zero MinChurned is
// scoring.DefaultMinChurned.
type FitParams struct {
	HorizonDays int
	From, To    time.Time
	Split       scoring.Split
	MinChurned  int
}

// FitWarmupDays is how much history the default range leaves before the
// first month-end, so windowed features have data.
const FitWarmupDays = 30

// ChurnFit is the backtest report of scorecards on the churn history and
// what it ran on: the backtest command prints it, calibration proposes its
// fitted weights.
type ChurnFit struct {
	scoring.BacktestReport
	HorizonDays int
	AsOfDates   []string // the month-ends, YYYY-MM-DD
	Note        string   // why some churn is not yet known, or ""
	// Cards are the scorecards as evaluated, discovered metrics included
	// (what a per-CSM or control evaluation must use to agree with it).
	Cards scoring.Scorecards
	// Examples are the labelled scores the report was computed from.
	Examples []scoring.Example
}

// FitOnChurn scores every account alive at each month-end in [From, To]
// without writing scores, labels it by churn within HorizonDays, and
// evaluates cards and fits their weights on it.
func FitOnChurn(ctx context.Context, st FitStore, cards scoring.Scorecards, p FitParams) (ChurnFit, error) {
	first, last, ok, err := st.SignalSpan(ctx)
	if err != nil {
		return ChurnFit{}, err
	}
	if !ok {
		return ChurnFit{}, errors.New("there are no signals in the database, so nothing to backtest (import signals or run `healthbot demo`)")
	}
	horizonDays, from, to := p.HorizonDays, p.From, p.To
	res := ChurnFit{HorizonDays: horizonDays}
	lastLabel := scoring.Day(last).AddDate(0, 0, -horizonDays)
	derived := from.IsZero() || to.IsZero()
	if from.IsZero() {
		from = scoring.Day(first).AddDate(0, 0, FitWarmupDays)
	}
	if to.IsZero() {
		to = lastLabel
	} else if to.After(lastLabel) {
		res.Note = fmt.Sprintf("month-ends after %s have less than %d days of history after them, so some churn is not yet known", lastLabel.Format(time.DateOnly), horizonDays)
	}
	monthEnds := scoring.MonthEnds(from, to)
	if len(monthEnds) == 0 {
		if derived {
			return ChurnFit{}, shortHistory(scoring.Day(first), scoring.Day(last), from, horizonDays)
		}
		return ChurnFit{}, fmt.Errorf("no month-end between --from %s and --to %s to backtest (signals span %s to %s)",
			from.Format(time.DateOnly), to.Format(time.DateOnly), first.Format(time.DateOnly), last.Format(time.DateOnly))
	}
	for _, t := range monthEnds {
		res.AsOfDates = append(res.AsOfDates, t.Format(time.DateOnly))
	}
	// The scorecards as scoring uses them, with the discovered metrics:
	// the fit reads the extended catalog, or it could not weigh a metric
	// nobody declared (ComputeScores would extend them anew per month-end).
	if !cards.HasDiscovered() {
		accounts, err := st.Accounts(ctx)
		if err != nil {
			return ChurnFit{}, err
		}
		d, err := Discover(ctx, st, cards, accounts, DiscoveryOptions{MinChurned: p.MinChurned})
		if err != nil {
			return ChurnFit{}, err
		}
		cards = d.Cards
	}
	res.Cards = cards
	if res.Examples, err = BacktestExamples(ctx, st, cards, monthEnds, horizonDays); err != nil {
		return ChurnFit{}, err
	}
	res.BacktestReport = scoring.Backtest(res.Examples, scoring.BacktestOptions{Scorecards: cards, Split: p.Split, MinChurned: p.MinChurned})
	return res, nil
}

// shortHistory explains a history too short for the horizon: each
// month-end needs FitWarmupDays of history before it (so windowed
// features have data) and the horizon after it (so churn is known). It
// says how much history that takes and which --horizon would fit.
func shortHistory(first, last, from time.Time, horizonDays int) error {
	span := int(last.Sub(first).Hours()/24) + 1
	firstEnd := from.AddDate(0, 1, -from.Day()) // the month-end on or after from
	need := int(firstEnd.Sub(first).Hours()/24) + horizonDays
	msg := fmt.Sprintf("the history is too short for a %d-day horizon: signals span %d days (%s to %s), and a backtest needs a month-end at least %d days into the history (%s) followed by the %d-day horizon, i.e. %d days of history",
		horizonDays, span, first.Format(time.DateOnly), last.Format(time.DateOnly), FitWarmupDays, firstEnd.Format(time.DateOnly), horizonDays, need)
	if fits := int(last.Sub(firstEnd).Hours() / 24); fits >= 1 {
		return fmt.Errorf("%s; try --horizon %dd (the longest this history allows) or import more history", msg, fits)
	}
	return fmt.Errorf("%s; import at least %d more days of history", msg, need-span+1)
}
