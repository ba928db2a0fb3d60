package scoring

import (
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// world is a small portfolio under test; run scores it.
type world struct {
	t        *testing.T
	accounts []Account
	features FeatureSet
	cards    []Scorecard
}

// setup returns four Enterprise accounts; account 1 is the best on every
// metric: logins 87.5th percentile, tickets 87.5th (lower is better), NPS
// 20 → 60, pulse Healthy → 90, so its score is
// (50×87.5 + 30×(87.5+60)/2 + 20×90) / 100 = 83.875.
func setup(t *testing.T) *world {
	t.Helper()
	w := &world{t: t, features: FeatureSet{}, cards: []Scorecard{testCard()}}
	rows := []struct {
		logins, tickets, nps, pulse float64
	}{{40, 0, 20, 2}, {30, 1, 0, 1}, {20, 2, -20, 1}, {10, 3, -50, 0}}
	for i, r := range rows {
		id := int64(i + 1)
		w.accounts = append(w.accounts, account(id, "Enterprise"))
		w.features[id] = feats(map[string]float64{"logins": r.logins, "tickets": r.tickets, "nps": r.nps})
		w.features[id]["pulse"] = FeatureValue{Value: r.pulse, AgeDays: 3}
	}
	return w
}

func (w *world) add(a Account, row map[string]FeatureValue) {
	w.accounts = append(w.accounts, a)
	w.features[a.ID] = row
}

func (w *world) run() []Score {
	w.t.Helper()
	return Compute(Input{AsOf: asOf, Accounts: w.accounts, Features: w.features, Scorecards: testScorecards(w.t, w.cards...)})
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestComputeWeightsConfidenceAndMissingData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		change     func(w *world)
		value      float64
		confidence float64
		band       Band
	}{
		{"all metrics present", func(*world) {}, 83.875, 1, BandGreen},
		{"missing pulse re-weights the families present",
			func(w *world) { delete(w.features[1], "pulse") }, (50*87.5 + 30*73.75) / 80, 0.8, BandGreen},
		{"missing NPS re-weights within engagement",
			func(w *world) { delete(w.features[1], "nps") }, 88, 0.85, BandGreen},
		{"pulse 22 days old counts half",
			func(w *world) { w.features[1]["pulse"] = FeatureValue{Value: 2, AgeDays: 22} },
			(50*87.5 + 30*73.75 + 10*90) / 90, 0.9, BandGreen},
		{"pulse 30 days old no longer counts",
			func(w *world) { w.features[1]["pulse"] = FeatureValue{Value: 2, AgeDays: 30} },
			(50*87.5 + 30*73.75) / 80, 0.8, BandGreen},
		{"confidence exactly at the minimum is scored",
			func(w *world) { w.features[1] = feats(map[string]float64{"logins": 40}) }, 87.5, 0.5, BandGreen},
		{"too little data is not enough data, not 50",
			func(w *world) { w.features[1] = feats(map[string]float64{"nps": 20}) }, 0, 0.15, BandNone},
		{"no data at all",
			func(w *world) { delete(w.features, 1) }, 0, 0, BandNone},
		{"a higher minimum confidence rejects half the weight",
			func(w *world) {
				w.features[1] = feats(map[string]float64{"logins": 40})
				w.cards[0].MinConfidence = 0.6
			}, 0, 0.5, BandNone},
		{"NaN features count as missing",
			func(w *world) { w.features[1]["nps"] = FeatureValue{Value: math.NaN()} }, 88, 0.85, BandGreen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := setup(t)
			tc.change(w)
			s := scoreOf(t, w.run(), 1)
			if !near(s.Value, tc.value) || !near(s.Confidence, tc.confidence) || s.Band != tc.band {
				t.Fatalf("got value %v confidence %v band %s; want %v, %v, %s", s.Value, s.Confidence, s.Band, tc.value, tc.confidence, tc.band)
			}
			if s.HasScore() {
				checkContributions(t, s)
			}
		})
	}
}

// checkContributions: effective weights sum to 1 and contributions to Value−50.
func checkContributions(t *testing.T, s Score) {
	t.Helper()
	var weights, contributions float64
	for _, c := range s.Drivers {
		weights += c.Weight
		contributions += c.Contribution
		if !near(c.Contribution, c.Weight*(c.Score-50)) {
			t.Errorf("%s: contribution %v ≠ weight %v × (score %v − 50)", c.Metric, c.Contribution, c.Weight, c.Score)
		}
	}
	if !near(weights, 1) || !near(contributions, s.Value-50) {
		t.Fatalf("weights sum to %v (want 1), contributions to %v (want %v)", weights, contributions, s.Value-50)
	}
}

func TestComputeEffectiveWeightsAndStaleness(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.features[1]["pulse"] = FeatureValue{Value: 1, AgeDays: 22}
	s := scoreOf(t, w.run(), 1)
	want := map[string]float64{"logins": 50.0 / 90, "tickets": 15.0 / 90, "nps": 15.0 / 90, "pulse": 10.0 / 90}
	for m, wt := range want {
		if c := driver(t, s, m); !near(c.Weight, wt) {
			t.Errorf("%s weight = %v, want %v", m, c.Weight, wt)
		}
	}
	p := driver(t, s, "pulse")
	if p.StalenessFactor != 0.5 || p.Stale || p.AgeDays != 22 || p.Score != 50 {
		t.Fatalf("pulse driver = %+v", p)
	}
	if s.Subscores[FamilyEngagement] != 73.75 || s.Subscores[FamilyPulse] != 50 {
		t.Fatalf("subscores = %v", s.Subscores)
	}
	if _, ok := s.Subscores[FamilyContract]; ok {
		t.Fatal("a family without metrics has no subscore")
	}
}

func TestComputeDirection(t *testing.T) {
	t.Parallel()
	scores := setup(t).run()
	// Account 4 has the most tickets: worst on a lower-is-better metric.
	if got := driver(t, scoreOf(t, scores, 4), "tickets").Score; got != 12.5 {
		t.Fatalf("most tickets scores %v, want 12.5", got)
	}
	if got := driver(t, scoreOf(t, scores, 1), "tickets").Score; got != 87.5 {
		t.Fatalf("fewest tickets scores %v, want 87.5", got)
	}
}

func TestComputePeerFallback(t *testing.T) {
	t.Parallel()
	w := setup(t)
	// Only two Enterprise accounts report tickets; SMB has two accounts.
	delete(w.features[3], "tickets")
	delete(w.features[4], "tickets")
	w.add(account(11, "SMB"), feats(map[string]float64{"logins": 5, "tickets": 5}))
	w.add(account(12, "SMB"), feats(map[string]float64{"logins": 100, "tickets": 6}))
	w.add(account(13, ""), feats(map[string]float64{"logins": 0}))
	scores := w.run()

	tests := []struct {
		id            int64
		metric, group string
		count         int
		score         float64
	}{
		{1, "logins", "Enterprise", 4, 87.5},
		{1, "tickets", AllPeers, 4, 87.5}, // only 2 Enterprise holders < MinPeers 3
		{12, "logins", AllPeers, 7, 100 * 6.5 / 7},
		{11, "tickets", AllPeers, 4, 37.5},
		{13, "logins", AllPeers, 7, 100 * 0.5 / 7}, // no segment
	}
	for _, tc := range tests {
		c := driver(t, scoreOf(t, scores, tc.id), tc.metric)
		if c.PeerGroup != tc.group || c.PeerCount != tc.count || !near(c.Score, tc.score) {
			t.Errorf("account %d %s: group %q count %d score %v; want %q %d %v",
				tc.id, tc.metric, c.PeerGroup, c.PeerCount, c.Score, tc.group, tc.count, tc.score)
		}
	}
}

func TestComputeOnlyAlivePeers(t *testing.T) {
	t.Parallel()
	w := setup(t)
	gone := account(5, "Enterprise")
	gone.ChurnedAt = asOf.AddDate(0, -1, 0)
	w.add(gone, feats(map[string]float64{"logins": 1000}))
	future := account(6, "Enterprise")
	future.StartedAt = asOf.AddDate(0, 1, 0)
	w.add(future, feats(map[string]float64{"logins": 1000}))
	scores := w.run()
	if len(scores) != 4 {
		t.Fatalf("scored %d accounts, want the 4 alive", len(scores))
	}
	for i, s := range scores {
		if s.AccountID != int64(i+1) || !s.AsOf.Equal(Day(asOf)) || s.Scorecard != "test" {
			t.Fatalf("score %d = account %d as of %v card %q", i, s.AccountID, s.AsOf, s.Scorecard)
		}
	}
	if got := driver(t, scores[0], "logins").Score; got != 87.5 {
		t.Fatalf("churned accounts must not be peers: got %v", got)
	}
}

func TestComputeQuartileBands(t *testing.T) {
	t.Parallel()
	w := &world{t: t, features: FeatureSet{}, cards: []Scorecard{testCard(func(c *Scorecard) { c.Bands = Bands{Mode: BandsQuartiles} })}}
	for id := int64(1); id <= 8; id++ {
		w.add(account(id, "Enterprise"), feats(map[string]float64{"logins": float64(id)}))
	}
	w.add(account(9, "Enterprise"), feats(map[string]float64{"nps": 100})) // not enough data
	scores := w.run()
	want := []Band{BandRed, BandRed, BandYellow, BandYellow, BandYellow, BandYellow, BandGreen, BandGreen, BandNone}
	for i, s := range scores {
		if s.Band != want[i] {
			t.Errorf("account %d (score %v): band %s, want %s", s.AccountID, s.Value, s.Band, want[i])
		}
	}
	// With fixed thresholds account 3 (31.25) would be red.
	if scores[2].Value >= 40 || DefaultBands().Fixed(scores[2].Value) != BandRed {
		t.Fatalf("fixture: account 3 scores %v", scores[2].Value)
	}
}

func TestComputeIsDeterministic(t *testing.T) {
	t.Parallel()
	in := randomPortfolio(300, 7)
	a, b := Compute(in), Compute(in)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs on the same input differ")
	}
}

// Seasonality: a season that lifts everyone's usage lifts no one's score.
func TestSeasonalityChangesNoScore(t *testing.T) {
	t.Parallel()
	in := randomPortfolio(400, 3)
	base := Compute(in)
	for _, factor := range []float64{0.5, 1.7, 10} {
		scaled := in
		scaled.Features = scaleUsage(in.Features, in.Scorecards, func(int64) float64 { return factor })
		got := Compute(scaled)
		for i := range base {
			if got[i].Value != base[i].Value || got[i].Band != base[i].Band || got[i].Confidence != base[i].Confidence {
				t.Fatalf("factor %g: account %d scored %v %s, was %v %s", factor, base[i].AccountID, got[i].Value, got[i].Band, base[i].Value, base[i].Band)
			}
		}
	}
	// The property can fail: lifting one account's usage does change scores.
	lifted := in
	lifted.Features = scaleUsage(in.Features, in.Scorecards, func(id int64) float64 { return 1 + float64(id%2) })
	changed := 0
	for i, s := range Compute(lifted) {
		if s.Value != base[i].Value {
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("scaling half the accounts changed no score; the property test cannot fail")
	}
}

func scaleUsage(fs FeatureSet, scs Scorecards, factor func(int64) float64) FeatureSet {
	out := FeatureSet{}
	for id, row := range fs {
		out[id] = map[string]FeatureValue{}
		for k, v := range row {
			if m, _ := scs.Catalog().Metric(k); m.Family == FamilyUsage {
				v.Value *= factor(id)
			}
			out[id][k] = v
		}
	}
	return out
}

// randomPortfolio is n accounts over three segments with every default
// metric present at random (about 10 % missing), seeded.
func randomPortfolio(n int, seed uint64) Input {
	r := rand.New(rand.NewPCG(seed, 99))
	scs := DefaultScorecards()
	segments := []string{"Enterprise", "Mid-Market", "SMB"}
	in := Input{AsOf: asOf, Features: FeatureSet{}, Scorecards: scs}
	for i := range n {
		a := account(int64(i+1), segments[i%3])
		a.Seats = 10 + r.IntN(100)
		in.Accounts = append(in.Accounts, a)
		row := map[string]FeatureValue{}
		for _, m := range scs.Catalog().Metrics() {
			if r.Float64() < 0.1 {
				continue
			}
			v := r.Float64()
			switch m.Key {
			case "pulse":
				v = float64(r.IntN(3))
			case "nps":
				v = float64(r.IntN(201) - 100)
			case "support_tickets", "late_invoices":
				v = float64(r.IntN(6))
			}
			row[m.Key] = FeatureValue{Value: v, AgeDays: float64(r.IntN(40))}
		}
		in.Features[a.ID] = row
	}
	return in
}
