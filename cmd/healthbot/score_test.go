package main

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func setupScore(t *testing.T) *scoringPortfolio {
	t.Helper()
	return seedScoringPortfolio(t, portfolioSpec{accounts: 12, days: 70, churn: map[int]int{0: 10}})
}

func TestScoreWritesOneRowPerAliveAccountAndReplacesOnRerun(t *testing.T) {
	t.Parallel()
	p := setupScore(t)

	code, out, errOut := p.run(t, nil, "score", "--as-of", "2026-03-31")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "2026-03-31  11 accounts:")
	require.Equal(t, 11, p.scoreRows(t), "the account that churned is not scored")

	code, _, errOut = p.run(t, nil, "score", "--as-of", "2026-03-31")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 11, p.scoreRows(t), "re-running replaces, never duplicates")

	st := store.New(p.pool)
	worst, err := st.ScoreAt(context.Background(), p.ids[1], p.asOf)
	require.NoError(t, err)
	best, err := st.ScoreAt(context.Background(), p.ids[11], p.asOf)
	require.NoError(t, err)
	require.Equal(t, scoring.BandRed, worst.Band)
	require.Equal(t, scoring.BandGreen, best.Band)
	require.Less(t, worst.Value, best.Value)
	require.NotEmpty(t, best.Drivers)
	require.Contains(t, best.Subscores, scoring.FamilyUsage)
}

func TestScoreBackfillsEveryDay(t *testing.T) {
	t.Parallel()
	p := setupScore(t)
	code, out, errOut := p.run(t, nil, "score", "--from", "2026-03-25", "--to", "2026-03-31")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "Backfilled 7 days")
	var days, rows int
	require.NoError(t, p.pool.QueryRow(context.Background(), "SELECT count(DISTINCT as_of), count(*) FROM score").Scan(&days, &rows))
	require.Equal(t, 7, days)
	require.Equal(t, 7*11, rows)
}

// score --json is the run for scripts: the same figures as the lines, and
// nothing else on stdout.
func TestScoreJSON(t *testing.T) {
	t.Parallel()
	p := setupScore(t)
	code, out, errOut := p.run(t, nil, "score", "--from", "2026-03-30", "--to", "2026-03-31", "--json")
	require.Equal(t, 0, code, errOut)
	var run struct {
		Scorecards string `json:"scorecards"`
		Days       []struct {
			AsOf     string         `json:"as_of"`
			Accounts int            `json:"accounts"`
			Bands    map[string]int `json:"bands"`
			Written  int64          `json:"written"`
		} `json:"days"`
		Written int64 `json:"written"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &run), "stdout is one JSON object:\n%s", out)
	require.Contains(t, run.Scorecards, "built-in")
	require.Len(t, run.Days, 2)
	require.Equal(t, "2026-03-30", run.Days[0].AsOf)
	require.Equal(t, "2026-03-31", run.Days[1].AsOf)
	for _, d := range run.Days {
		require.Equal(t, 11, d.Accounts, d.AsOf)
		require.EqualValues(t, 11, d.Written, d.AsOf)
		require.Equal(t, 11, d.Bands["green"]+d.Bands["yellow"]+d.Bands["red"]+d.Bands["none"], d.AsOf)
		require.Positive(t, d.Bands["red"], d.AsOf)
		require.Positive(t, d.Bands["green"], d.AsOf)
	}
	require.EqualValues(t, 22, run.Written)
	require.Equal(t, 22, p.scoreRows(t))

	code, _, errOut = p.run(t, nil, "score", "--as-of", "2026-03-31", "--json", "--dry-run")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--json prints a scoring run")
}

// strictBands makes every account below 99 red: each account that is
// green or yellow under the defaults changes band.
const strictBands = `
scorecards:
  - name: strict
    bands:
      green: 100
      yellow: 99
`

func TestScoreDryRunListsBandChangesAndWritesNothing(t *testing.T) {
	t.Parallel()
	p := setupScore(t)
	file := writeScorecardFile(t, "strict.yaml", strictBands)

	code, out, errOut := p.run(t, nil, "score", "--as-of", "2026-03-31", "--dry-run", "--scorecards", file)
	require.Equal(t, 0, code, errOut)
	require.Equal(t, 0, p.scoreRows(t), "a dry run writes nothing")
	require.Contains(t, out, "nothing was written")
	require.Contains(t, out, "OLD SCORE")
	require.Contains(t, out, p.name[11], "the healthiest account turns from green to red")
	require.NotContains(t, out, p.name[1], "an account that was red already does not change band")
	require.Regexp(t, `Account 11\s+\d+\.\d\s+green\s+\d+\.\d\s+red`, out)
}

func TestScoreRejectsBadScorecardFileNamingTheField(t *testing.T) {
	t.Parallel()
	p := setupScore(t)
	file := writeScorecardFile(t, "bad.yaml", `
scorecards:
  - name: default
    metrics:
      active_usr_ratio: 2
`)
	for _, args := range [][]string{
		{"score", "--as-of", "2026-03-31", "--scorecards", file},
		{"score", "--as-of", "2026-03-31", "--dry-run", "--scorecards", file},
	} {
		code, _, errOut := p.run(t, nil, args...)
		require.Equal(t, 1, code)
		require.Contains(t, errOut, "metrics.active_usr_ratio")
		require.Contains(t, errOut, "nothing was scored")
	}
	code, _, errOut := p.run(t, map[string]string{"HEALTHBOT_SCORECARDS": file}, "score", "--as-of", "2026-03-31")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "metrics.active_usr_ratio")
	require.Equal(t, 0, p.scoreRows(t))
}

func TestScoreUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"score", "--as-of", "31/03/2026"}, "not a date"},
		{[]string{"score", "--as-of", "2026-03-31", "--from", "2026-03-01"}, "exclude each other"},
		{[]string{"score", "--to", "2026-03-01"}, "--to needs --from"},
		{[]string{"score", "--from", "2026-03-05", "--to", "2026-03-01"}, "is after"},
		{[]string{"score", "--from", "2026-03-01", "--to", "2026-03-05", "--dry-run"}, "use --as-of"},
	} {
		var out, errOut stringsBuilder
		code := run(context.Background(), tc.args, ioStreams{out: &out, err: &errOut}, envOf(nil))
		require.Equal(t, 2, code, tc.args)
		require.Contains(t, errOut.String(), tc.want, tc.args)
	}
}
