package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

// seedMiscalibrated writes a portfolio whose churners decline before they
// churn, except that key_feature_adoption goes the other way (it rises as
// they decline): the built-in scorecard, which counts it as "higher is
// better", ranks churn worse than a fit that does not. History runs for
// 420 days up to the day before asOf; a third of the accounts churn.
func seedMiscalibrated(t *testing.T, pool *pgxpool.Pool, asOf time.Time) {
	t.Helper()
	ctx := context.Background()
	st := store.New(pool)
	r := rand.New(rand.NewPCG(12, 0xca1))
	const accounts, days = 150, 420
	var rows, pulses [][]any
	for i := range accounts {
		a := scoring.Account{ExternalID: fmt.Sprintf("acct-%03d", i), Name: fmt.Sprintf("Account %03d", i),
			Segment: "Mid", StartedAt: asOf.AddDate(-2, 0, 0), MRR: 1000}
		churnAgo := -1
		if i%3 == 0 {
			churnAgo = 10 + r.IntN(days-60)
			a.ChurnedAt = asOf.AddDate(0, 0, -churnAgo)
		}
		id, err := st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		h := 0.3 + 0.6*r.Float64()
		for ago := days; ago >= 1; ago-- {
			if churnAgo >= 0 && ago <= churnAgo {
				break // no data after churning
			}
			v := h
			if churnAgo >= 0 && ago-churnAgo < 75 {
				v = h * (0.3 + 0.7*float64(ago-churnAgo)/75) // the decline before churn
			}
			noise := func(sd float64) float64 { return sd * r.NormFloat64() }
			at := asOf.AddDate(0, 0, -ago)
			for _, m := range []struct {
				key string
				val float64
			}{
				{"active_user_ratio", clamp01(0.1 + 0.8*v + noise(0.05))}, {"seats_used", 50 + 20*h},
				{"key_feature_adoption", clamp01(1 - v + noise(0.05))}, // the miscalibrated one
				{"days_since_admin_seen", max(0, 30*(1-v)+noise(2))}, {"session_gap_days", max(0, 1+10*(1-v)+noise(1))},
			} {
				rows = append(rows, []any{id, m.key, at, m.val, "test"})
			}
			if ago%7 == 0 {
				rating := scoring.RatingHealthy
				if r.Float64() > v {
					rating = scoring.RatingConcerning
				}
				pulses = append(pulses, []any{id, string(rating), scoring.ISOWeek(at), at})
			}
		}
	}
	ensureSignalMonths(t, pool, rows)
	_, err := pool.CopyFrom(ctx, pgx.Identifier{"signal"}, []string{"account_id", "metric", "observed_at", "value", "source"}, pgx.CopyFromRows(rows))
	require.NoError(t, err)
	_, err = pool.CopyFrom(ctx, pgx.Identifier{"pulse"}, []string{"account_id", "rating", "week", "answered_at"}, pgx.CopyFromRows(pulses))
	require.NoError(t, err)
}

func clamp01(x float64) float64 { return min(1, max(0, x)) }

func TestCalibrateDryRunThenApply(t *testing.T) {
	t.Parallel()
	p := emptyPortfolio(t)
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	seedMiscalibrated(t, p.pool, asOf)
	st := store.New(p.pool)

	code, out, errOut := p.run(t, nil, "calibrate", "--as-of", "2026-11-30")
	require.Equal(t, 0, code, errOut)
	t.Log(out)
	require.Contains(t, out, "Calibration of built-in defaults")
	require.Regexp(t, `Held-out AUC 0\.\d\d \(95% CI .*\) → 0\.\d\d`, out)
	require.Regexp(t, `On 2026-11-30(, \d+ of \d+ accounts would change band| no account would change band)`, out)
	require.Contains(t, out, "Dry run: nothing was stored")
	vs, err := st.ScorecardVersions(context.Background(), 10)
	require.NoError(t, err)
	require.Empty(t, vs, "a dry run stores nothing")
	require.Equal(t, 0, p.scoreRows(t), "nor any score")

	code, out, errOut = p.run(t, map[string]string{"USER": "dana"}, "calibrate", "--as-of", "2026-11-30", "--apply")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `Stored as scorecard version \d+ \(calibrate, approved by cli:dana on \d{4}-\d\d-\d\d\)`, out)
	in, err := app.ScorecardsInForce(context.Background(), st, "")
	require.NoError(t, err)
	require.NotZero(t, in.Version, "scoring now uses the stored version")
	v, err := st.ScorecardVersion(context.Background(), in.Version)
	require.NoError(t, err)
	require.Greater(t, v.AUCAfter, v.AUCBefore)
	require.Equal(t, "built-in defaults", v.Replaces)

	// score uses it; a file named by HEALTHBOT_SCORECARDS still wins.
	code, out, errOut = p.run(t, nil, "score", "--as-of", "2026-11-30", "--dry-run", "--scorecards", writeScorecardFile(t, "d.yaml", string(scoring.DefaultsYAML())))
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `current +scorecard version \d+ \(calibrate, approved by cli:dana`, out)
	file := writeScorecardFile(t, "pinned.yaml", string(scoring.DefaultsYAML()))
	code, out, errOut = p.run(t, map[string]string{"HEALTHBOT_SCORECARDS": file}, "scorecards", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "In force: "+file)
}

func TestScorecardsExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	p := emptyPortfolio(t)

	code, out, errOut := p.run(t, nil, "scorecards", "list")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "In force: built-in defaults.")
	require.Contains(t, out, "No stored versions")

	dir := t.TempDir()
	exported := filepath.Join(dir, "exported.yaml")
	code, _, errOut = p.run(t, nil, "scorecards", "export", exported)
	require.Equal(t, 0, code, errOut)
	b, err := os.ReadFile(exported)
	require.NoError(t, err)
	require.Equal(t, string(scoring.DefaultsYAML()), string(b), "the defaults, as shipped")

	edited := strings.Replace(string(b), "min_confidence: 0.5", "min_confidence: 0.6", 1)
	require.NotEqual(t, string(b), edited, "the defaults set min_confidence")
	in := writeScorecardFile(t, "mine.yaml", edited)
	code, out, errOut = p.run(t, map[string]string{"USER": "eve"}, "scorecards", "import", in)
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `Stored as scorecard version \d+ \(import mine\.yaml, approved by cli:eve`, out)

	code, out, errOut = p.run(t, nil, "scorecards", "export")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, edited, out, "export prints the stored version byte for byte")

	code, out, errOut = p.run(t, nil, "scorecards", "list")
	require.Equal(t, 0, code, errOut)
	require.Regexp(t, `(?m)^\d+ \(in force\) +import mine\.yaml .* approved +cli:eve`, out)

	bad := writeScorecardFile(t, "bad.yaml", "scorecards:\n  - name: x\n    families: {usage: -1}\n")
	code, _, errOut = p.run(t, nil, "scorecards", "import", bad)
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "bad.yaml is not valid; nothing was imported")
	code, _, errOut = p.run(t, nil, "scorecards", "import")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "import needs the YAML file")
	code, out, _ = p.run(t, nil, "scorecards", "-h")
	require.Equal(t, 0, code)
	require.Contains(t, out, "usage: healthbot scorecards list | export [FILE] | import [--by NAME] FILE")
}
