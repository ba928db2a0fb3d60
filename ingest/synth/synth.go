// Package synth generates test portfolios that nothing else in the repo
// shaped: invented signal names (the way a warehouse names columns, not the
// way the built-in catalog does) and churn drawn from a logistic model
// whose coefficients are recorded in Truth, so tests can check what a fit
// learns against what the generator did.
//
//   - Snapshot (a): one snapshot per account of ~20 attributes — binary
//     flags, counts, amounts, ratios, scores, durations, contract length —
//     and churn within 30 days after it; several are "lower is better".
//   - Events (b): two years of daily product-event counts per account under
//     invented event names; churn each month driven by some events' recent
//     counts and not by others.
//   - Noise (c): the snapshot's attributes with churn independent of all.
//
// Every generator is pure and deterministic for its Config.
package synth

import (
	"bufio"
	"fmt"
	"io"
	"iter"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/healthbot/healthbot/scoring"
)

// Source is the source of every generated signal row.
const Source = "synth"

// Portfolio is one generated portfolio. Account IDs are local: an
// account's ID is its position in Accounts plus one, and Observation
// AccountIDs refer to them.
type Portfolio struct {
	Name     string
	Accounts []scoring.Account
	// First and Last are the first and last day with data (UTC midnight).
	First, Last time.Time
	// Snapshot is the day of the snapshot for Snapshot and Noise; zero for Events.
	Snapshot time.Time
	// NSignals is how many observations Signals yields.
	NSignals int
	Truth    Truth
	signals  iter.Seq[scoring.Observation]
}

// Signals yields every observation, account by account; large portfolios
// are not held as observations in memory.
func (p *Portfolio) Signals() iter.Seq[scoring.Observation] { return p.signals }

// Churned counts the accounts with a churn date.
func (p *Portfolio) Churned() int {
	n := 0
	for _, a := range p.Accounts {
		if !a.ChurnedAt.IsZero() {
			n++
		}
	}
	return n
}

// Truth is the churn model the generator drew from: the log-odds of churn
// are Intercept + Σ Coefficient × z, z being the effect's Driver of the
// signal standardised over the accounts (a missing value counts as z = 0).
type Truth struct {
	Intercept float64
	// Horizon is how long after a snapshot (or month-end) churn is drawn for.
	HorizonDays int
	Effects     []Effect
}

// Effect is one signal's part in the churn model.
type Effect struct {
	Signal string
	// Kind is what the generator made the values: binary, count, amount,
	// ratio, score or duration.
	Kind string
	// Driver says what of the signal enters the model, e.g. "log1p(value)"
	// or "log1p(28-day sum)".
	Driver string
	// Coefficient is the change in churn log-odds per standard deviation of
	// the driver: negative means higher is better, positive lower is
	// better, 0 no effect.
	Coefficient float64
}

// Effect returns the effect of signal; ok is false for a signal the
// generator does not write.
func (t Truth) Effect(signal string) (Effect, bool) {
	for _, e := range t.Effects {
		if e.Signal == signal {
			return e, true
		}
	}
	return Effect{}, false
}

// WriteCSV writes the portfolio as the two files `healthbot import
// accounts` and `healthbot import signals` read: accounts
// (external_id,name,segment,plan,started_at,churned_at) and signals
// (account,metric,observed_at,value,source).
func (p *Portfolio) WriteCSV(accounts, signals io.Writer) error {
	aw := bufio.NewWriter(accounts)
	fmt.Fprintln(aw, "external_id,name,segment,plan,started_at,churned_at")
	for _, a := range p.Accounts {
		fmt.Fprintf(aw, "%s,%s,%s,%s,%s,%s\n", a.ExternalID, a.Name, a.Segment, a.Plan, csvDate(a.StartedAt), csvDate(a.ChurnedAt))
	}
	if err := aw.Flush(); err != nil {
		return fmt.Errorf("write accounts: %w", err)
	}
	sw := bufio.NewWriter(signals)
	fmt.Fprintln(sw, "account,metric,observed_at,value,source")
	for o := range p.Signals() {
		fmt.Fprintf(sw, "%s,%s,%s,%s,%s\n", p.Accounts[o.AccountID-1].ExternalID, o.Metric,
			o.ObservedAt.Format(time.RFC3339), strconv.FormatFloat(o.Value, 'g', -1, 64), Source)
	}
	if err := sw.Flush(); err != nil {
		return fmt.Errorf("write signals: %w", err)
	}
	return nil
}

func csvDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// stream is the random stream of one (seed, purpose): a change in one part
// of a generator leaves the other parts' draws alone.
func stream(seed int64, purpose uint64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed)^0x51f15e, purpose*0x9e3779b97f4a7c15+1))
}

// day truncates t to its UTC day.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func logistic(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// standardise returns (x − mean)/sd over the present values (NaN: missing,
// which becomes 0); sd 0 gives all zeros.
func standardise(xs []float64) []float64 {
	n, sum := 0.0, 0.0
	for _, x := range xs {
		if !math.IsNaN(x) {
			n, sum = n+1, sum+x
		}
	}
	out := make([]float64, len(xs))
	if n < 2 {
		return out
	}
	mean := sum / n
	ss := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	sd := math.Sqrt(ss / (n - 1))
	for i, x := range xs {
		if !math.IsNaN(x) && sd > 0 {
			out[i] = (x - mean) / sd
		}
	}
	return out
}
