package scoring

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestAUCKnownCases(t *testing.T) {
	t.Parallel()
	se := math.Sqrt(0.125/2 + 0.125/2) // DeLong by hand for the "mixed" case
	tests := []struct {
		name string
		pred []float64
		pos  []bool
		auc  float64
		ci   Interval
	}{
		{"perfect", []float64{1, 2, 3, 4}, []bool{false, false, true, true}, 1, Interval{1, 1}},
		{"reversed", []float64{1, 2, 3, 4}, []bool{true, true, false, false}, 0, Interval{0, 0}},
		{"all ties", []float64{5, 5, 5, 5}, []bool{true, false, true, false}, 0.5, Interval{0.5, 0.5}},
		{"mixed", []float64{1, 2, 3, 4}, []bool{false, true, false, true}, 0.75, Interval{0.75 - 1.959964*se, 1}},
		{"a tie counts half", []float64{1, 2, 2}, []bool{false, true, false}, 0.75, Interval{}},
		{"no positives", []float64{1, 2}, []bool{false, false}, 0.5, Interval{0, 1}},
	}
	for _, tc := range tests {
		auc, ci := AUC(tc.pred, tc.pos)
		if !near(auc, tc.auc) {
			t.Errorf("%s: AUC = %v, want %v", tc.name, auc, tc.auc)
		}
		if tc.ci != (Interval{}) && (!near(ci[0], tc.ci[0]) || !near(ci[1], tc.ci[1])) {
			t.Errorf("%s: CI = %v, want %v", tc.name, ci, tc.ci)
		}
		if !ci.Contains(auc) {
			t.Errorf("%s: CI %v does not contain the AUC %v", tc.name, ci, auc)
		}
	}
}

// Repeating every observation five times within its cluster adds no
// evidence: the clustered interval keeps its width while the naive one
// shrinks by about √5.
func TestClusteredAUCDoesNotCountRepeatsAsEvidence(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(8, 8))
	var pred, rep []float64
	var pos, repPos []bool
	var ids, repIDs []int64
	for i := range 200 {
		y := r.Float64() < 0.3
		p := r.NormFloat64()
		if y {
			p += 0.8
		}
		pred, pos, ids = append(pred, p), append(pos, y), append(ids, int64(i))
		for range 5 {
			rep, repPos, repIDs = append(rep, p), append(repPos, y), append(repIDs, int64(i))
		}
	}
	width := func(iv Interval) float64 { return iv[1] - iv[0] }
	auc, ci := AUC(pred, pos)
	cAUC, cCI := ClusteredAUC(pred, pos, ids)
	if !near(auc, cAUC) || math.Abs(width(ci)-width(cCI)) > 0.01*width(ci) {
		t.Fatalf("singleton clusters: %v %v vs DeLong %v %v", cAUC, cCI, auc, ci)
	}
	rAUC, rCI := ClusteredAUC(rep, repPos, repIDs)
	_, naive := AUC(rep, repPos)
	if !near(rAUC, auc) || math.Abs(width(rCI)-width(ci)) > 0.02*width(ci) {
		t.Fatalf("repeated: %v %v, want the width of %v", rAUC, rCI, ci)
	}
	if width(naive) > 0.5*width(ci) {
		t.Fatalf("fixture: the naive interval %v should shrink with repeats (was %v)", naive, ci)
	}
}

// twenty examples scored 0, 5, … 95; churned: 0, 5, 10, 25, 60.
func handExamples() []Example {
	churned := map[int]bool{0: true, 1: true, 2: true, 5: true, 12: true}
	var ex []Example
	for i := range 20 {
		score := float64(5 * i)
		ex = append(ex, Example{AccountID: int64(i % 10), Score: score, Band: DefaultBands().Fixed(score), Churned: churned[i]})
	}
	return append(ex, Example{AccountID: 99, Band: BandNone, Churned: true})
}

func TestEvaluate(t *testing.T) {
	t.Parallel()
	e := Evaluate(handExamples())
	want := Evaluation{N: 20, NAccounts: 10, NChurned: 5, NChurnedAccounts: 4, NNotEnoughData: 1, ChurnRate: 0.25,
		AUC: 65.0 / 75, LiftWorstDecile: 4, NRed: 8, RedPrecision: 0.5, RedRecall: 0.8}
	e.AUCCI, e.Signal, e.Verdict = Interval{}, "", ""
	if !near(e.AUC, want.AUC) {
		t.Fatalf("AUC = %v, want %v", e.AUC, want.AUC)
	}
	e.AUC = want.AUC
	if e != want {
		t.Fatalf("Evaluate =\n %+v\nwant\n %+v", e, want)
	}
}

func TestWorstDecileSharesTies(t *testing.T) {
	t.Parallel()
	// Ten examples, the worst three tied at 10 with one churned among them;
	// one more churned elsewhere. Worst decile = 1 example holding ⅓ churn.
	var ex []Example
	for i := range 10 {
		score := float64(10 * (i + 1))
		if i < 3 {
			score = 10
		}
		ex = append(ex, Example{AccountID: int64(i), Score: score, Band: BandYellow, Churned: i == 1 || i == 7})
	}
	if got := Evaluate(ex).LiftWorstDecile; !near(got, (1.0/3)/0.2) {
		t.Fatalf("lift = %v, want %v", got, (1.0/3)/0.2)
	}
}

func TestVerdictSaysSoPlainly(t *testing.T) {
	t.Parallel()
	many := func(churnedLow bool, tie bool) []Example {
		var ex []Example
		for i := range 200 {
			score := float64(i % 100)
			if tie {
				score = 50
			}
			churned := i%100 < 20
			if !churnedLow {
				churned = i%100 >= 80
			}
			ex = append(ex, Example{AccountID: int64(i), Score: score, Band: BandYellow, Churned: churned})
		}
		return ex
	}
	tests := []struct {
		name   string
		ex     []Example
		signal Signal
		words  string
	}{
		{"predictive", many(true, false), SignalPredictive, "The score predicts churn (AUC 1.00"},
		{"no signal", many(true, true), SignalNone, "does not demonstrably predict churn (AUC 0.50, 95% CI 0.50–0.50 includes 0.5"},
		{"inverse", many(false, false), SignalInverse, "points the wrong way"},
		{"no churn", []Example{{Score: 1, Band: BandRed}, {Score: 2, Band: BandRed}}, SignalUndetermined, "Cannot judge: 0 of 2"},
		{"small sample", handExamples(), "", "Only 5 churned examples: too few to be sure."},
	}
	for _, tc := range tests {
		e := Evaluate(tc.ex)
		if (tc.signal != "" && e.Signal != tc.signal) || !strings.Contains(e.Verdict, tc.words) {
			t.Errorf("%s: signal %s, verdict %q; want %s and %q", tc.name, e.Signal, e.Verdict, tc.signal, tc.words)
		}
	}
}

// synthetic scores accounts whose latent health drives usage, tickets and
// pulse and their churn; customer_messages runs the wrong way (more
// messages from accounts about to churn). Month-ends Jan–Jun 2025.
func synthetic(t *testing.T, nAccounts int, seed uint64) ([]Example, Scorecards) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	scs := DefaultScorecards()
	health := make([]float64, nAccounts)
	var accts []Account
	for i := range nAccounts {
		health[i] = r.NormFloat64()
		a := Account{ID: int64(i + 1), Segment: []string{"Enterprise", "SMB"}[i%2], StartedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
		accts = append(accts, a)
	}
	var ex []Example
	for _, T := range MonthEnds(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) {
		fs := FeatureSet{}
		for i, a := range accts {
			h := health[i] + 0.3*r.NormFloat64()
			fs[a.ID] = map[string]FeatureValue{
				"active_user_ratio":    {Value: sigmoid(h + 0.5*r.NormFloat64())},
				"key_feature_adoption": {Value: sigmoid(0.7*h + r.NormFloat64())},
				"support_tickets":      {Value: math.Max(0, math.Round(3-h+r.NormFloat64()))},
				"csat":                 {Value: 4 + 0.3*r.NormFloat64()},
				"customer_messages":    {Value: math.Max(0, 10-4*h+2*r.NormFloat64())},
				"pulse":                {Value: math.Max(0, math.Min(2, math.Round(1+h))), AgeDays: 5},
			}
		}
		for _, s := range Compute(Input{AsOf: T, Accounts: accts, Features: fs, Scorecards: scs}) {
			i := s.AccountID - 1
			ex = append(ex, NewExample(s, r.Float64() < sigmoid(-2.5-1.8*health[i])))
		}
	}
	return ex, scs
}

func TestBacktestFindsSignalAndSuggestsWeights(t *testing.T) {
	t.Parallel()
	ex, scs := synthetic(t, 600, 1)
	rep := Backtest(ex, BacktestOptions{Scorecards: scs})
	if rep.Signal != SignalPredictive || rep.AUC < 0.75 || rep.AUCCI[0] <= 0.5 {
		t.Fatalf("overall: %s AUC %v CI %v: %s", rep.Signal, rep.AUC, rep.AUCCI, rep.Verdict)
	}
	f := rep.Fit
	if f.Split != SplitTime || f.TrainN != 4*600 || f.TestN != 2*600 || f.Err != "" {
		t.Fatalf("fit split %s train %d test %d err %q (%s)", f.Split, f.TrainN, f.TestN, f.Err, f.SplitNote)
	}
	if rep.AUCFitted < 0.75 || rep.AUCHeldOut < 0.7 || rep.AUCFitted != f.AUCFitted {
		t.Fatalf("held-out AUC fitted %v current %v", rep.AUCFitted, rep.AUCHeldOut)
	}
	weights := map[string]FittedWeight{}
	for _, w := range f.Weights {
		weights[w.Metric] = w
	}
	// The declared direction is wrong: the fit reverses it and weighs it.
	if w := weights["customer_messages"]; w.Suggested <= 0.1 || w.Coefficient <= 0 || w.HigherIsBetter || !w.Flipped ||
		w.DirectionFrom != DirectionLearned || !strings.Contains(w.Note, "Customer conversations: declared higher is better, but higher values went with more churn") {
		t.Fatalf("the wrong-signed metric: %+v", w)
	}
	if w := weights["active_user_ratio"]; w.Suggested <= 0.1 || w.Coefficient >= 0 || !near(w.Current, 0.4*3/9) {
		t.Fatalf("active users: %+v", w)
	}
	if w, fitted := weights["licence_change"]; fitted {
		t.Fatalf("a metric nobody reported is no candidate: %+v", w)
	}
	if _, fitted := weights["days_to_renewal"]; fitted {
		t.Fatal("weight-0 metrics are not fitted by default")
	}

	// The suggested file parses and reproduces the suggested weights.
	sug, err := ParseScorecards([]byte(rep.SuggestedYAML))
	if err != nil {
		t.Fatalf("%v\n%s", err, rep.SuggestedYAML)
	}
	eff := sug.For(Account{}).EffectiveWeights()
	for k, w := range weights {
		if math.Abs(eff[k]-w.Suggested) > 0.001 {
			t.Errorf("%s: suggested %v, file gives %v", k, w.Suggested, eff[k])
		}
	}
	if !strings.Contains(rep.SuggestedYAML, "learned_directions:\n      customer_messages: lower_is_better") ||
		!strings.Contains(rep.SuggestedYAML, "# customer_messages: Customer conversations: declared higher is better, but higher values went with more churn") {
		t.Fatalf("suggested file should reverse and explain the wrong-signed metric:\n%s", rep.SuggestedYAML)
	}
	if m, _ := sug.For(Account{}).planned("customer_messages"); m.HigherIsBetter || m.DirectionFrom != DirectionLearned {
		t.Fatalf("parsed back, customer_messages is %+v", m)
	}
	if rep.Fitted.IsZero() || rep.Fitted.For(Account{}).LearnedDirections["customer_messages"] {
		t.Fatalf("the fitted value: %+v", rep.Fitted.For(Account{}))
	}
	if len(rep.Scorecards) != 1 || rep.Scorecards[0].Name != "default" || rep.Scorecards[0].Fit == nil {
		t.Fatalf("per scorecard: %+v", rep.Scorecards)
	}
	if !strings.Contains(rep.Summary, "On held-out data (fit on 4 as-of dates 2025-01-31…2025-04-30, evaluated on 2 dates 2025-05-31…2025-06-30)") {
		t.Fatalf("summary: %s", rep.Summary)
	}

	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var asMap map[string]any
	if err := json.Unmarshal(b, &asMap); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"auc", "auc_ci", "auc_fitted", "n_accounts", "n_churned", "scorecards", "verdict", "suggested_scorecards"} {
		if _, ok := asMap[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
}

// On shuffled labels the interval must contain 0.5 (allowing for the 5 %
// of seeds where a 95 % interval misses by chance).
func TestShuffledLabelsShowNoSignal(t *testing.T) {
	t.Parallel()
	ex, scs := synthetic(t, 300, 2)
	if Evaluate(ex).Signal != SignalPredictive {
		t.Fatal("fixture: the real labels should carry signal")
	}
	misses := 0
	for seed := range uint64(20) {
		shuffled := ShuffleLabels(ex, seed)
		if countChurned(shuffled) != countChurned(ex) {
			t.Fatal("shuffling must keep the churn count")
		}
		rep := Backtest(shuffled, BacktestOptions{Scorecards: scs})
		if !rep.AUCCI.Contains(0.5) {
			misses++
			continue
		}
		if rep.Signal != SignalNone || !strings.Contains(rep.Summary, "does not demonstrably predict churn") {
			t.Fatalf("seed %d: %s", seed, rep.Summary)
		}
	}
	if misses > 2 {
		t.Fatalf("%d of 20 shuffles excluded 0.5", misses)
	}
	a, b := ShuffleLabels(ex, 5), ShuffleLabels(ex, 5)
	for i := range a {
		if a[i].Churned != b[i].Churned {
			t.Fatal("ShuffleLabels must be deterministic by seed")
		}
	}
}

func TestBacktestAccountSplitIsStratifiedAndDisjoint(t *testing.T) {
	t.Parallel()
	ex, scs := synthetic(t, 200, 3)
	opt := BacktestOptions{Scorecards: scs, Split: SplitAccounts, Seed: 9}.withDefaults()
	s := splitExamples(ex, opt)
	side := map[int64]bool{}
	churnedIn, churnedOut := map[int64]bool{}, map[int64]bool{}
	for i, x := range ex {
		if prev, ok := side[x.AccountID]; ok && prev != s.train[i] {
			t.Fatalf("account %d is on both sides", x.AccountID)
		}
		side[x.AccountID] = s.train[i]
		if x.Churned && s.train[i] {
			churnedIn[x.AccountID] = true
		} else if x.Churned {
			churnedOut[x.AccountID] = true
		}
	}
	share := float64(len(churnedOut)) / float64(len(churnedIn)+len(churnedOut))
	if s.kind != SplitAccounts || math.Abs(share-0.3) > 0.02 {
		t.Fatalf("split %s holds out %.2f of churned accounts, want 0.30", s.kind, share)
	}
	if again := splitExamples(ex, opt); !equalBools(again.train, s.train) {
		t.Fatal("the accounts split must be deterministic by seed")
	}
	rep := Backtest(ex, BacktestOptions{Scorecards: scs, Split: SplitAccounts, Seed: 9})
	if rep.Fit.Split != SplitAccounts || rep.Fit.Err != "" || !strings.Contains(rep.Fit.SplitNote, "stratified by churn, seed 9") {
		t.Fatalf("fit: %+v", rep.Fit)
	}
}

func TestBacktestTimeSplitFallsBackWithOneDate(t *testing.T) {
	t.Parallel()
	ex, scs := synthetic(t, 200, 4)
	var one []Example
	for _, x := range ex {
		if x.AsOf.Equal(ex[0].AsOf) {
			one = append(one, x)
		}
	}
	rep := Backtest(one, BacktestOptions{Scorecards: scs, Split: SplitTime})
	if rep.Fit.Split != SplitAccounts || !strings.HasPrefix(rep.Fit.SplitNote, "time split impossible (fewer than two as-of dates)") {
		t.Fatalf("fit split %s: %s", rep.Fit.Split, rep.Fit.SplitNote)
	}
}

func TestBacktestWithoutChurnSaysSo(t *testing.T) {
	t.Parallel()
	ex := []Example{{AccountID: 1, Score: 50, Band: BandYellow}, {AccountID: 2, Score: 60, Band: BandYellow}}
	rep := Backtest(ex, BacktestOptions{})
	if rep.Signal != SignalUndetermined || rep.Fit.Err == "" || rep.SuggestedYAML != "" || !strings.Contains(rep.Summary, "No weights were fitted") {
		t.Fatalf("report: %+v", rep)
	}
	if _, err := json.Marshal(rep); err != nil {
		t.Fatalf("the report must marshal: %v", err)
	}
}

func TestChurnLabelsAndMonthEnds(t *testing.T) {
	t.Parallel()
	T := time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC)
	churn := func(d time.Time) Account { return Account{ChurnedAt: d} }
	tests := []struct {
		name string
		a    Account
		want bool
	}{
		{"never churned", Account{}, false},
		{"churned inside the horizon", churn(T.AddDate(0, 0, 30)), true},
		{"churned on the horizon's last day", churn(T.AddDate(0, 0, 90)), true},
		{"churned after the horizon", churn(T.AddDate(0, 0, 91)), false},
		{"already churned at T", churn(T), false},
	}
	for _, tc := range tests {
		if got := ChurnedWithin(tc.a, T, 90); got != tc.want {
			t.Errorf("%s: %v", tc.name, got)
		}
	}
	got := MonthEnds(time.Date(2024, 12, 15, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 30, 0, 0, 0, 0, time.UTC))
	want := []string{"2024-12-31", "2025-01-31", "2025-02-28"}
	if len(got) != len(want) {
		t.Fatalf("MonthEnds = %v", got)
	}
	for i := range want {
		if ymd(got[i]) != want[i] {
			t.Fatalf("MonthEnds = %v, want %v", got, want)
		}
	}
}

func equalBools(a, b []bool) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
