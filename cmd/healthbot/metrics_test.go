package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// ownCSVs are a new user's files: 60 accounts and one snapshot each of
// metrics named the way their warehouse names them, none of them built in.
// With churn, the first 25 accounts churn 2026-07-30 and log in least.
func ownCSVs(churn bool) (accounts, signals string) {
	var a, s strings.Builder
	a.WriteString("external_id,name,segment,started_at,churned_at\n")
	s.WriteString("account,metric,observed_at,value\n")
	for i := range 60 {
		lost := i < 25
		churned := ""
		if churn && lost {
			churned = "2026-07-30"
		}
		fmt.Fprintf(&a, "c%02d,Customer %02d,SMB,2025-01-01,%s\n", i, i, churned)
		logins := 20 + i
		if lost {
			logins = i % 10
		}
		fmt.Fprintf(&s, "c%02d,logins,2026-06-30,%d\nc%02d,tickets_open,2026-06-30,%d\nc%02d,pays_by_check,2026-06-30,%d\n",
			i, logins, i, (i*7)%11, i, i%2)
	}
	return a.String(), s.String()
}

func TestOwnMetricsFromCSVToScores(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	accounts, signals := ownCSVs(false)
	for _, imp := range [][2]string{{"accounts", accounts}, {"signals", signals}} {
		res := b.run(strings.NewReader(imp[1]), "import", imp[0], "-")
		require.Equal(t, 0, res.code, res.err)
	}

	// No churn yet: the metrics wait for a direction, in one line, and
	// every "not enough data" says why and what to do.
	res := b.run(nil, "score", "--as-of", "2026-12-06")
	require.Equal(t, 0, res.code, res.err)
	require.Contains(t, res.out, "3 metrics wait for a direction and do not move scores yet: logins, pays_by_check, tickets_open. "+
		"Give one: declare it in a scorecard (custom_metrics with higher_is_better), or let healthbot learn it from churn once 20 accounts have churned (0 so far).")
	require.Equal(t, 1, strings.Count(res.out, "wait for a direction"))
	require.Contains(t, res.out, "60 accounts: 0 green · 0 yellow · 0 red · 60 not enough data")
	require.Contains(t, res.out, "60 accounts — not enough data: no metric with a known direction has data; waiting for a direction: Logins, Pays by check, Tickets open. Next: give these metrics a direction")
	res = b.run(nil, "metrics", "--as-of", "2026-12-06")
	require.Equal(t, 0, res.code, res.err)
	require.Contains(t, res.out, "Not enough data in the newest scores:\n  60 accounts — not enough data: no metric with a known direction has data")

	// Churn arrives: directions are learned and every live account is scored.
	accounts, _ = ownCSVs(true)
	res = b.run(strings.NewReader(accounts), "import", "accounts", "-")
	require.Equal(t, 0, res.code, res.err)
	res = b.run(nil, "score", "--as-of", "2026-12-06")
	require.Equal(t, 0, res.code, res.err)
	require.Contains(t, res.out, "2026-12-06  35 accounts:")
	require.NotContains(t, res.out, "not enough data")
	require.Contains(t, res.out, "Learned from the churn of 25 accounts: logins higher is better.")
	require.Contains(t, res.out, "2 metrics wait for a direction and do not move scores yet: pays_by_check, tickets_open. The churn of 25 accounts shows no clear direction")

	res = b.run(nil, "metrics", "--as-of", "2026-12-06")
	require.Equal(t, 0, res.code, res.err)
	require.Regexp(t, `logins +discovered +usage +latest 365d +snapshot +60 +60 +2026-06-30 +2026-06-30 +higher \(learned, AUC 1\.00, CI 1\.00–1\.00, 25 churned\)`, res.out)
	require.Regexp(t, `active_user_ratio +built-in +usage +latest +– +0 +0`, res.out)
	require.Contains(t, res.out, "15 metrics have no data in signal")

	res = b.run(nil, "metrics", "--json")
	require.Equal(t, 0, res.code, res.err)
	var rows []metricRow
	require.NoError(t, json.Unmarshal([]byte(res.out), &rows))
	byKey := map[string]metricRow{}
	for _, r := range rows {
		byKey[r.Key] = r
	}
	require.Len(t, rows, 16+3) // 16 built-ins (days_since_touchpoint, #17) and 3 discovered
	l := byKey["logins"]
	require.Equal(t, "higher_is_better", l.Direction)
	require.Equal(t, "learned", string(l.DirectionFrom))
	require.Equal(t, 25, l.Evidence.Churned)
	require.Equal(t, "unknown", byKey["tickets_open"].Direction)
	require.Equal(t, "binary", string(byKey["pays_by_check"].Kind))
	require.Equal(t, "declared", string(byKey["nps"].DirectionFrom))
}

func TestMetricsUsageErrors(t *testing.T) {
	t.Parallel()
	b := setupImport(t)
	require.Equal(t, 2, b.run(nil, "metrics", "extra").code)
	require.Equal(t, 2, b.run(nil, "metrics", "--as-of", "yesterday").code)
}

func TestMinChurnedConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig(envOf(nil))
	require.NoError(t, err)
	require.Equal(t, 20, cfg.MinChurned)
	cfg, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_MIN_CHURNED": "50"}))
	require.NoError(t, err)
	require.Equal(t, 50, cfg.MinChurned)
	_, err = ParseConfig(envOf(map[string]string{"HEALTHBOT_MIN_CHURNED": "1"}))
	require.ErrorContains(t, err, "HEALTHBOT_MIN_CHURNED")
}
