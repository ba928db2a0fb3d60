package scoring

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// Split says how the backtest holds out data for the fitted weights.
type Split string

const (
	SplitAuto     Split = ""         // by time when there are ≥ 2 dates with both outcomes on each side, else by accounts
	SplitTime     Split = "time"     // fit on older as-of dates, evaluate on newer
	SplitAccounts Split = "accounts" // fit on a stratified share of accounts, evaluate on the rest
)

// split marks which scored examples are held in for fitting.
type split struct {
	kind  Split
	train []bool
	note  string
}

func splitExamples(ex []Example, opt BacktestOptions) split {
	if opt.Split != SplitAccounts {
		if s, why := timeSplit(ex, opt.HoldoutShare); why == "" {
			return s
		} else if opt.Split == SplitTime {
			s := accountSplit(ex, opt)
			s.note = "time split impossible (" + why + "), so " + s.note
			return s
		}
	}
	return accountSplit(ex, opt)
}

// timeSplit fits on the oldest dates holding about 1−holdout of the examples.
func timeSplit(ex []Example, holdout float64) (split, string) {
	var dates []time.Time
	for _, x := range ex {
		if d := Day(x.AsOf); !slices.ContainsFunc(dates, d.Equal) {
			dates = append(dates, d)
		}
	}
	slices.SortFunc(dates, time.Time.Compare)
	if len(dates) < 2 {
		return split{}, "fewer than two as-of dates"
	}
	best, bestGap := 1, math.Inf(1)
	for c := 1; c < len(dates); c++ {
		n := 0
		for _, x := range ex {
			if Day(x.AsOf).Before(dates[c]) {
				n++
			}
		}
		if gap := math.Abs(float64(n)/float64(len(ex)) - (1 - holdout)); gap < bestGap {
			best, bestGap = c, gap
		}
	}
	s := split{kind: SplitTime, train: make([]bool, len(ex))}
	for i, x := range ex {
		s.train[i] = Day(x.AsOf).Before(dates[best])
	}
	if !bothOutcomes(ex, s.train, true) || !bothOutcomes(ex, s.train, false) {
		return split{}, "churned and retained accounts are not on both sides of any date"
	}
	s.note = fmt.Sprintf("fit on %d as-of dates %s…%s, evaluated on %d dates %s…%s",
		best, ymd(dates[0]), ymd(dates[best-1]), len(dates)-best, ymd(dates[best]), ymd(dates[len(dates)-1]))
	return s, ""
}

func ymd(t time.Time) string { return t.Format(time.DateOnly) }

func bothOutcomes(ex []Example, train []bool, side bool) bool {
	var churned, retained bool
	for i, x := range ex {
		if train[i] == side {
			churned, retained = churned || x.Churned, retained || !x.Churned
		}
	}
	return churned && retained
}

// accountSplit holds out a seeded share of accounts, separately among the
// accounts that ever churned and those that did not.
func accountSplit(ex []Example, opt BacktestOptions) split {
	churned := map[int64]bool{}
	for _, x := range ex {
		churned[x.AccountID] = churned[x.AccountID] || x.Churned
	}
	var strata [2][]int64
	for id, c := range churned {
		strata[boolInt(c)] = append(strata[boolInt(c)], id)
	}
	r := rand.New(rand.NewPCG(opt.Seed, 0xacc0))
	held := map[int64]bool{}
	for _, ids := range strata {
		seededOrder(r, ids)
		k := int(math.Round(opt.HoldoutShare * float64(len(ids))))
		if len(ids) >= 2 {
			k = max(1, min(k, len(ids)-1))
		}
		for _, id := range ids[:k] {
			held[id] = true
		}
	}
	s := split{kind: SplitAccounts, train: make([]bool, len(ex))}
	for i, x := range ex {
		s.train[i] = !held[x.AccountID]
	}
	s.note = fmt.Sprintf("fit on %.0f%% of accounts, evaluated on the other %.0f%% (stratified by churn, seed %d)",
		100*(1-opt.HoldoutShare), 100*opt.HoldoutShare, opt.Seed)
	return s
}
