package main

// End-to-end acceptance tests of issue #12 on portfolios that nothing in
// the repo shaped (ingest/synth): the data goes into a fresh database, then
// `healthbot score` and `healthbot backtest` run exactly as a user runs
// them, with NO scorecard file. The generator's Truth says which signals
// drive churn and which way, so the learned directions can be checked.

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/ingest/synth"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// synthSnapshotDay is the snapshot day of portfolios (a) and (c).
var synthSnapshotDay = time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)

// synthStrongEffect is the smallest |coefficient| (per SD) whose learned
// direction must match the generator's; weaker effects are reported only.
const synthStrongEffect = 0.4

// importCSV loads p the way a CS Ops engineer would: two CSV files and
// `healthbot import accounts` / `healthbot import signals`.
func importCSV(t *testing.T, db *scoringPortfolio, p *synth.Portfolio) {
	t.Helper()
	dir := t.TempDir()
	accounts, signals := filepath.Join(dir, "accounts.csv"), filepath.Join(dir, "signals.csv")
	af, err := os.Create(accounts)
	require.NoError(t, err)
	sf, err := os.Create(signals)
	require.NoError(t, err)
	require.NoError(t, p.WriteCSV(af, sf))
	require.NoError(t, af.Close())
	require.NoError(t, sf.Close())
	for _, kind := range []string{"accounts", "signals"} {
		file := map[string]string{"accounts": accounts, "signals": signals}[kind]
		code, _, errOut := db.run(t, nil, "import", kind, file)
		require.Equal(t, 0, code, "import %s: %s", kind, errOut)
	}
}

// copyPortfolio bulk-loads a large portfolio with COPY (an import of a
// million rows through the CLI would cost the test minutes).
func copyPortfolio(t *testing.T, db *scoringPortfolio, p *synth.Portfolio) {
	t.Helper()
	ctx := context.Background()
	ids := make([]int64, len(p.Accounts))
	for i, a := range p.Accounts {
		id, err := store.New(db.pool).UpsertAccount(ctx, a)
		require.NoError(t, err)
		ids[i] = id
	}
	var from, to time.Time
	for o := range p.Signals() {
		if from.IsZero() || o.ObservedAt.Before(from) {
			from = o.ObservedAt
		}
		if o.ObservedAt.After(to) {
			to = o.ObservedAt
		}
	}
	require.NoError(t, store.New(db.pool).EnsurePartitions(ctx, from, to))
	next, stop := iter.Pull(p.Signals())
	defer stop()
	n, err := db.pool.CopyFrom(ctx, pgx.Identifier{"signal"}, []string{"account_id", "metric", "observed_at", "value", "source"},
		&obsRows{next: next, ids: ids})
	require.NoError(t, err)
	require.EqualValues(t, p.NSignals, n)
	_, err = db.pool.Exec(ctx, "ANALYZE signal")
	require.NoError(t, err)
}

// obsRows feeds observations to COPY one at a time.
type obsRows struct {
	next func() (scoring.Observation, bool)
	ids  []int64
	cur  scoring.Observation
	n    int
}

func (r *obsRows) Next() bool {
	var ok bool
	r.cur, ok = r.next()
	r.n++
	return ok
}

func (r *obsRows) Values() ([]any, error) {
	o := r.cur
	return []any{r.ids[o.AccountID-1], o.Metric, o.ObservedAt, o.Value, o.Source}, nil
}

func (r *obsRows) Err() error { return nil }

// synthBacktest is the part of `backtest --json` these tests read.
type synthBacktest struct {
	Signal         string     `json:"signal"`
	Verdict        string     `json:"verdict"`
	Summary        string     `json:"summary"`
	N              int        `json:"n"`
	NNotEnoughData int        `json:"n_not_enough_data"`
	AUCFitted      float64    `json:"auc_fitted"`
	AUCFittedCI    [2]float64 `json:"auc_fitted_ci"`
	AUCReference   float64    `json:"auc_reference"`
	AUCReferenceCI [2]float64 `json:"auc_reference_ci"`
	Fit            struct {
		Signal      string `json:"signal"`
		Err         string `json:"error"`
		TestN       int    `json:"test_n"`
		TestChurned int    `json:"test_churned"`
		Weights     []struct {
			Metric         string  `json:"metric"`
			Signal         string  `json:"signal"`
			Feature        string  `json:"feature"`
			Coefficient    float64 `json:"coefficient"`
			Suggested      float64 `json:"suggested_weight"`
			HigherIsBetter bool    `json:"higher_is_better"`
			DirectionFrom  string  `json:"direction_from"`
		} `json:"weights"`
	} `json:"fit"`
}

// backtestJSON runs `healthbot backtest --json` with args and parses it.
func backtestJSON(t *testing.T, db *scoringPortfolio, args ...string) synthBacktest {
	t.Helper()
	code, stdout, errOut := db.run(t, nil, append([]string{"backtest", "--json"}, args...)...)
	require.Equal(t, 0, code, "backtest: %s", errOut)
	var r synthBacktest
	require.NoError(t, json.Unmarshal([]byte(stdout), &r), stdout)
	t.Logf("backtest: fitted held-out AUC %.3f (%.3f–%.3f), reference %.3f (%.3f–%.3f), fit signal %q, %d test examples (%d churned); %s",
		r.AUCFitted, r.AUCFittedCI[0], r.AUCFittedCI[1], r.AUCReference, r.AUCReferenceCI[0], r.AUCReferenceCI[1],
		r.Fit.Signal, r.Fit.TestN, r.Fit.TestChurned, r.Summary)
	return r
}

// checkEveryLiveAccountScored runs `healthbot score --as-of day` and
// checks every account alive that day got a score, none "not enough data".
func checkEveryLiveAccountScored(t *testing.T, db *scoringPortfolio, p *synth.Portfolio, day time.Time) string {
	t.Helper()
	code, stdout, errOut := db.run(t, nil, "score", "--as-of", day.Format(time.DateOnly))
	require.Equal(t, 0, code, "score: %s", errOut)
	t.Logf("score: %s", strings.TrimSpace(stdout))
	live := 0
	for _, a := range p.Accounts {
		if a.AliveAt(app.ScoreTime(day)) {
			live++
		}
	}
	var rows, none int
	require.NoError(t, db.pool.QueryRow(context.Background(),
		`SELECT count(*), count(*) FILTER (WHERE band = 'none') FROM score WHERE as_of = $1`, day).Scan(&rows, &none))
	assert.Equal(t, live, rows, "one score per live account")
	assert.Zero(t, none, "no live account is 'not enough data' (%d of %d are)", none, rows)
	return stdout
}

// checkLearnedSigns checks that every strong effect of the generator was
// fitted with the generator's direction, and logs every effect.
func checkLearnedSigns(t *testing.T, r synthBacktest, truth synth.Truth) {
	t.Helper()
	for _, e := range truth.Effects {
		var found []string
		ok := false
		for _, w := range r.Fit.Weights {
			if w.Signal != e.Signal || w.Suggested <= 0 {
				continue
			}
			found = append(found, fmt.Sprintf("%s (%s) coef %+.2f weight %.3f higher_is_better=%v from %s",
				w.Metric, w.Feature, w.Coefficient, w.Suggested, w.HigherIsBetter, w.DirectionFrom))
			ok = ok || w.HigherIsBetter == (e.Coefficient < 0)
		}
		t.Logf("%-22s truth %+.2f: fitted %s", e.Signal, e.Coefficient, strings.Join(found, "; "))
		if math.Abs(e.Coefficient) >= synthStrongEffect {
			assert.True(t, ok, "%s: the generator made it %s, the fit did not learn that (%v)", e.Signal,
				map[bool]string{true: "higher is better", false: "lower is better"}[e.Coefficient < 0], found)
		}
	}
}

// (a) One snapshot of 21 attributes per account, churn within 30 days.
func TestSynthSnapshotEndToEnd(t *testing.T) {
	t.Parallel()
	p, err := synth.Snapshot(synth.SnapshotConfig{Seed: 1, Accounts: 3000, Day: synthSnapshotDay})
	require.NoError(t, err)
	db := emptyPortfolio(t)
	importCSV(t, db, p)

	checkEveryLiveAccountScored(t, db, p, synthSnapshotDay.AddDate(0, 0, synth.SnapshotHorizonDays+1))

	day := synthSnapshotDay.Format(time.DateOnly)
	r := backtestJSON(t, db, "--from", day, "--to", day, "--horizon", fmt.Sprintf("%dd", synth.SnapshotHorizonDays))
	require.Empty(t, r.Fit.Err)
	assert.GreaterOrEqual(t, r.AUCFitted, r.AUCReference-0.01, "the fitted score trails the reference model by more than 0.01")
	checkLearnedSigns(t, r, p.Truth)
}

// (b) Two years of daily product-event counts.
func TestSynthEventsEndToEnd(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	p, err := synth.Events(synth.EventsConfig{Seed: 2, Accounts: 240, Last: last})
	require.NoError(t, err)
	t.Logf("events portfolio: %d accounts, %d churned, %d signal rows", len(p.Accounts), p.Churned(), p.NSignals)
	db := emptyPortfolio(t)
	copyPortfolio(t, db, p)

	checkEveryLiveAccountScored(t, db, p, last)

	r := backtestJSON(t, db, "--horizon", fmt.Sprintf("%dd", synth.EventsHorizonDays))
	require.Empty(t, r.Fit.Err)
	assert.GreaterOrEqual(t, r.AUCFitted, r.AUCReference-0.01, "the fitted score trails the reference model by more than 0.01")
	checkLearnedSigns(t, r, p.Truth)
}

// (c) The snapshot's attributes with churn independent of all of them.
func TestSynthNoiseEndToEnd(t *testing.T) {
	t.Parallel()
	p, err := synth.Noise(synth.SnapshotConfig{Seed: 3, Accounts: 2000, Day: synthSnapshotDay})
	require.NoError(t, err)
	db := emptyPortfolio(t)
	copyPortfolio(t, db, p)

	day := synthSnapshotDay.Format(time.DateOnly)
	r := backtestJSON(t, db, "--from", day, "--to", day, "--horizon", fmt.Sprintf("%dd", synth.SnapshotHorizonDays))
	assert.Equal(t, string(scoring.SignalNone), r.Fit.Signal, "the verdict on noise is 'no signal'")
	assert.True(t, r.AUCFittedCI[0] <= 0.5 && 0.5 <= r.AUCFittedCI[1], "the fitted AUC's CI %v contains 0.5", r.AUCFittedCI)
	assert.True(t, r.AUCReferenceCI[0] <= 0.5 && 0.5 <= r.AUCReferenceCI[1], "the reference AUC's CI %v contains 0.5", r.AUCReferenceCI)
	for _, w := range r.Fit.Weights {
		assert.NotEqual(t, string(scoring.DirectionLearned), w.DirectionFrom, "%s: no direction is learned from noise", w.Metric)
	}
}

// A young company: its own attributes and two built-in signals, no churn
// yet. Built-ins score as ever; the discovered metrics are listed, in one
// line, as waiting for a direction, and they move no score.
func TestSynthWithoutChurnHistory(t *testing.T) {
	t.Parallel()
	p, err := synth.Snapshot(synth.SnapshotConfig{Seed: 4, Accounts: 300, Day: synthSnapshotDay})
	require.NoError(t, err)
	for i := range p.Accounts {
		p.Accounts[i].ChurnedAt = time.Time{}
	}
	db := emptyPortfolio(t)
	copyPortfolio(t, db, p)
	// Two built-in signals the company also sends.
	ctx := context.Background()
	require.NoError(t, store.New(db.pool).EnsurePartitions(ctx, synthSnapshotDay, synthSnapshotDay))
	_, err = db.pool.Exec(ctx, `INSERT INTO signal (account_id, metric, observed_at, value, source)
		SELECT id, m.metric, $1, m.f * ((id * 7919) % 101), 'synth'
		FROM account, (VALUES ('active_user_ratio', 0.0099), ('nps', 1.98)) AS m(metric, f)`, synthSnapshotDay)
	require.NoError(t, err)

	day := synthSnapshotDay.AddDate(0, 0, 1)
	stdout := checkEveryLiveAccountScored(t, db, p, day)

	var waiting []string
	for _, line := range strings.Split(stdout, "\n") {
		if strings.Contains(strings.ToLower(line), "direction") {
			waiting = append(waiting, line)
		}
	}
	require.Len(t, waiting, 1, "one line names the metrics waiting for a direction:\n%s", stdout)
	line := strings.ToLower(strings.ReplaceAll(waiting[0], "_", " "))
	for _, e := range p.Truth.Effects {
		assert.Contains(t, line, strings.ReplaceAll(e.Signal, "_", " "), "the waiting line names %s", e.Signal)
	}
	assert.Contains(t, line, "scorecard", "one way: declare the direction in a scorecard")
	assert.Regexp(t, `learn.*churn|churn.*learn`, line, "the other: let healthbot learn it from churn")

	st := store.New(db.pool)
	profiles, _, err := st.MetricProfiles(ctx)
	require.NoError(t, err)
	for _, pr := range profiles {
		assert.False(t, pr.Direction != nil && pr.Direction.Learned(), "%s: no direction is learned without churn", pr.Signal)
	}
	scores, err := st.ScoresAt(ctx, day)
	require.NoError(t, err)
	require.Len(t, scores, len(p.Accounts))
	for _, s := range scores {
		for _, c := range s.Drivers {
			if _, ours := p.Truth.Effect(c.Metric); ours {
				assert.Zero(t, c.Weight, "account %d: %s has no direction yet, so no weight", s.AccountID, c.Metric)
			}
		}
	}
}
