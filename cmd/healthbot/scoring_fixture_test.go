package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
	"github.com/healthbot/healthbot/store/storetest"
)

// scoringPortfolio is a fresh schema holding a small, deterministic
// portfolio: account i of n has health (i+1)/n in every usage metric and
// pulse; churners decline over the 45 days before they churn.
type scoringPortfolio struct {
	url  string
	pool *pgxpool.Pool
	asOf time.Time // the newest day with data
	ids  []int64   // account ids, healthiest last
	name []string
}

type portfolioSpec struct {
	accounts int
	days     int         // of history before asOf
	churn    map[int]int // account index → days before asOf it churned
}

// emptyPortfolio is a fresh migrated schema with nothing in it, the
// command's DATABASE_URL and a pool of the test's own to check what the
// command stored: the one setup of every test that fills the database
// itself (a seeded portfolio, the demo, an import).
func emptyPortfolio(t *testing.T) *scoringPortfolio {
	t.Helper()
	url := storetest.SchemaURL(t)
	pool, err := store.Open(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return &scoringPortfolio{url: url, pool: pool}
}

// demoPortfolio is emptyPortfolio with `healthbot demo args…` run on it;
// it returns the demo's report.
func demoPortfolio(t *testing.T, args ...string) (*scoringPortfolio, string) {
	t.Helper()
	p := emptyPortfolio(t)
	code, out, errOut := p.run(t, nil, append([]string{"demo"}, args...)...)
	require.Equal(t, 0, code, errOut)
	return p, out
}

func seedScoringPortfolio(t *testing.T, spec portfolioSpec) *scoringPortfolio {
	t.Helper()
	ctx := context.Background()
	p := emptyPortfolio(t)
	p.asOf = time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC)
	pool := p.pool
	st := store.New(pool)
	var rows [][]any
	var pulses [][]any
	for i := range spec.accounts {
		a := scoring.Account{ExternalID: fmt.Sprintf("acct-%02d", i), Name: fmt.Sprintf("Account %02d", i),
			StartedAt: p.asOf.AddDate(-2, 0, 0)}
		churnDay := -1
		if d, ok := spec.churn[i]; ok {
			churnDay = d
			a.ChurnedAt = p.asOf.AddDate(0, 0, -d)
		}
		id, err := st.UpsertAccount(ctx, a)
		require.NoError(t, err)
		p.ids, p.name = append(p.ids, id), append(p.name, a.Name)
		h := float64(i+1) / float64(spec.accounts)
		for ago := spec.days; ago >= 0; ago-- {
			if churnDay >= 0 && ago <= churnDay {
				break // no data after churning
			}
			v := h
			if churnDay >= 0 && ago-churnDay < 45 {
				v = h * float64(ago-churnDay) / 45 // the decline before churn
			}
			at := p.asOf.AddDate(0, 0, -ago)
			for _, m := range []struct {
				key string
				val float64
			}{
				{"active_user_ratio", 0.1 + 0.8*v}, {"seats_used", 20 + 80*v}, {"key_feature_adoption", v},
				{"days_since_admin_seen", 30 * (1 - v)}, {"session_gap_days", 1 + 10*(1-v)},
			} {
				rows = append(rows, []any{id, m.key, at, m.val, "test"})
			}
			if ago%7 == 0 {
				rating := scoring.RatingPoor
				switch {
				case v > 0.66:
					rating = scoring.RatingHealthy
				case v > 0.33:
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
	return p
}

// run runs one healthbot command line against the portfolio's database.
func (p *scoringPortfolio) run(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	vars := map[string]string{"DATABASE_URL": p.url}
	for k, v := range env {
		vars[k] = v
	}
	var out, errOut stringsBuilder
	code = run(context.Background(), args, ioStreams{in: strings.NewReader(""), out: &out, err: &errOut}, envOf(vars))
	return code, out.String(), errOut.String()
}

func (p *scoringPortfolio) scoreRows(t *testing.T) int {
	t.Helper()
	var n int
	require.NoError(t, p.pool.QueryRow(context.Background(), "SELECT count(*) FROM score").Scan(&n))
	return n
}

func writeScorecardFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	return path
}
