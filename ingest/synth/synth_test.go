package synth

import (
	"bytes"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
)

var snapDay = time.Date(2026, 8, 31, 0, 0, 0, 0, time.UTC)

// univariateAUC is, per signal, the AUC of its value (missing left out)
// against churn: above 0.5 means higher values went with more churn.
func univariateAUC(p *Portfolio, value func(o scoring.Observation) bool) map[string]float64 {
	vals := map[string][]float64{}
	churn := map[string][]bool{}
	for o := range p.Signals() {
		if !value(o) {
			continue
		}
		vals[o.Metric] = append(vals[o.Metric], o.Value)
		churn[o.Metric] = append(churn[o.Metric], !p.Accounts[o.AccountID-1].ChurnedAt.IsZero())
	}
	out := map[string]float64{}
	for k, v := range vals {
		out[k], _ = scoring.AUC(v, churn[k])
	}
	return out
}

func TestSnapshotIsDeterministic(t *testing.T) {
	t.Parallel()
	csv := func(seed int64) string {
		p, err := Snapshot(SnapshotConfig{Seed: seed, Accounts: 200, Day: snapDay})
		require.NoError(t, err)
		var a, s bytes.Buffer
		require.NoError(t, p.WriteCSV(&a, &s))
		return a.String() + s.String()
	}
	require.Equal(t, csv(7), csv(7))
	require.NotEqual(t, csv(7), csv(8))
}

func TestSnapshotChurnFollowsTruth(t *testing.T) {
	t.Parallel()
	p, err := Snapshot(SnapshotConfig{Seed: 1, Accounts: 4000, Day: snapDay})
	require.NoError(t, err)
	require.Len(t, p.Accounts, 4000)
	require.GreaterOrEqual(t, len(p.Truth.Effects), 20)
	share := float64(p.Churned()) / 4000
	require.InDelta(t, 0.25, share, 0.08, "about a quarter churn")
	for _, a := range p.Accounts {
		if !a.ChurnedAt.IsZero() {
			require.True(t, a.ChurnedAt.After(snapDay) && !a.ChurnedAt.After(snapDay.AddDate(0, 0, SnapshotHorizonDays)))
		}
	}
	lower := 0
	aucs := univariateAUC(p, func(scoring.Observation) bool { return true })
	for _, e := range p.Truth.Effects {
		t.Logf("%-22s %-8s coef %+.2f  univariate AUC %.3f", e.Signal, e.Kind, e.Coefficient, aucs[e.Signal])
		if e.Coefficient > 0 {
			lower++
		}
		if math.Abs(e.Coefficient) >= 0.4 {
			require.Equal(t, e.Coefficient > 0, aucs[e.Signal] > 0.5, "%s: the data shows the direction the generator chose", e.Signal)
		}
	}
	require.GreaterOrEqual(t, lower, 4, "several attributes are lower-is-better")
}

func TestNoiseChurnIsIndependent(t *testing.T) {
	t.Parallel()
	p, err := Noise(SnapshotConfig{Seed: 3, Accounts: 4000, Day: snapDay})
	require.NoError(t, err)
	require.InDelta(t, 0.2, float64(p.Churned())/4000, 0.03)
	for _, e := range p.Truth.Effects {
		require.Zero(t, e.Coefficient)
	}
	for k, auc := range univariateAUC(p, func(scoring.Observation) bool { return true }) {
		require.InDelta(t, 0.5, auc, 0.06, k)
	}
}

func TestEventsChurnFollowsTruth(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	p, err := Events(EventsConfig{Seed: 2, Accounts: 300, Last: last})
	require.NoError(t, err)
	require.Equal(t, last.AddDate(0, 0, -729), p.First)
	t.Logf("%d accounts, %d churned, %d rows", len(p.Accounts), p.Churned(), p.NSignals)
	require.Greater(t, p.Churned(), 60)
	n := 0
	// Plain ifs, not require: a million assertion calls cost seconds under -race.
	for o := range p.Signals() {
		a := p.Accounts[o.AccountID-1]
		switch {
		case o.ObservedAt.Before(p.First) || o.ObservedAt.After(p.Last):
			t.Fatalf("%+v lies outside %s–%s", o, p.First, p.Last)
		case o.ObservedAt.Before(a.StartedAt):
			t.Fatalf("%+v: an event before the account started (%s)", o, a.StartedAt)
		case !a.ChurnedAt.IsZero() && !o.ObservedAt.Before(a.ChurnedAt):
			t.Fatalf("%+v: an event after churn (%s)", o, a.ChurnedAt)
		}
		n++
	}
	require.Equal(t, p.NSignals, n)

	// The 28-day sums before churn: per event, churners' against the
	// others' at the same month-ends.
	sums := eventSums(p)
	for _, e := range p.Truth.Effects {
		auc, _ := scoring.AUC(sums[e.Signal].x, sums[e.Signal].churn)
		t.Logf("%-20s coef %+.2f  AUC of the 28-day sum %.3f", e.Signal, e.Coefficient, auc)
		if math.Abs(e.Coefficient) >= 0.4 {
			require.Equal(t, e.Coefficient > 0, auc > 0.5, e.Signal)
		}
	}
}

type labelled struct {
	x     []float64
	churn []bool
}

// eventSums is each live account's 28-day sum of each event at every
// month-end, labelled by churn within the horizon.
func eventSums(p *Portfolio) map[string]*labelled {
	type key struct {
		acct   int64
		metric string
	}
	byDay := map[key]map[time.Time]float64{}
	for o := range p.Signals() {
		k := key{o.AccountID, o.Metric}
		if byDay[k] == nil {
			byDay[k] = map[time.Time]float64{}
		}
		byDay[k][o.ObservedAt] = o.Value
	}
	out := map[string]*labelled{}
	for _, e := range p.Truth.Effects {
		out[e.Signal] = &labelled{}
	}
	for _, t := range scoring.MonthEnds(p.First.AddDate(0, 0, 28), p.Last.AddDate(0, 0, -EventsHorizonDays)) {
		for _, a := range p.Accounts {
			if !a.AliveAt(t) || t.Sub(a.StartedAt) < 28*24*time.Hour {
				continue
			}
			for _, e := range p.Truth.Effects {
				s := 0.0
				for d := range 28 {
					s += byDay[key{a.ID, e.Signal}][t.AddDate(0, 0, -d)]
				}
				out[e.Signal].x = append(out[e.Signal].x, s)
				out[e.Signal].churn = append(out[e.Signal].churn, scoring.ChurnedWithin(a, t, EventsHorizonDays))
			}
		}
	}
	return out
}

func TestWriteCSVIsWhatImportReads(t *testing.T) {
	t.Parallel()
	p, err := Snapshot(SnapshotConfig{Seed: 1, Accounts: 3, Day: snapDay})
	require.NoError(t, err)
	var a, s bytes.Buffer
	require.NoError(t, p.WriteCSV(&a, &s))
	accts := strings.Split(strings.TrimSpace(a.String()), "\n")
	require.Equal(t, "external_id,name,segment,plan,started_at,churned_at", accts[0])
	require.Len(t, accts, 4)
	sigs := strings.Split(strings.TrimSpace(s.String()), "\n")
	require.Equal(t, "account,metric,observed_at,value,source", sigs[0])
	require.Len(t, sigs, 1+p.NSignals)
	require.True(t, slices.ContainsFunc(sigs, func(l string) bool { return strings.HasPrefix(l, "cus_00001,contract_months,2026-08-31T00:00:00Z,") }))
}

func TestConfigErrors(t *testing.T) {
	t.Parallel()
	_, err := Snapshot(SnapshotConfig{Accounts: 10})
	require.ErrorContains(t, err, "snapshot day is required")
	_, err = Noise(SnapshotConfig{Accounts: -1, Day: snapDay})
	require.ErrorContains(t, err, "accounts must be between")
	_, err = Events(EventsConfig{Accounts: 10})
	require.ErrorContains(t, err, "last day is required")
	_, err = Events(EventsConfig{Accounts: 10, Last: snapDay, Days: 10})
	require.ErrorContains(t, err, "days must be at least")
}
