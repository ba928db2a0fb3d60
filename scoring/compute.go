package scoring

import (
	"math"
	"slices"
	"strings"
	"time"
)

// Input is everything one scoring run needs: the accounts, their features
// at AsOf and the scorecards (whose Catalog says which features to extract).
type Input struct {
	AsOf       time.Time
	Accounts   []Account
	Features   FeatureSet
	Scorecards Scorecards // zero: DefaultScorecards()
}

// AllPeers is the PeerGroup label of the whole-portfolio fallback.
const AllPeers = "all accounts"

// Compute scores every account alive at AsOf, in input order. It is pure
// and deterministic: same input, same scores.
func Compute(in Input) []Score {
	scs := in.Scorecards
	if scs.IsZero() {
		scs = DefaultScorecards()
	}
	asOf := Day(in.AsOf)
	accts := make([]Account, 0, len(in.Accounts))
	for _, a := range in.Accounts {
		if a.AliveAt(in.AsOf) {
			accts = append(accts, a)
		}
	}
	t := newTable(accts, in.Features, scs)
	peers := t.rankAll()
	scores := make([]Score, len(accts))
	for i := range accts {
		scores[i] = t.score(i, peers, asOf)
	}
	applyQuartiles(scores, scs.cards, t.cardOf)
	return scores
}

// Day is t's calendar date as UTC midnight, the as_of of a score row.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// table is the run's features laid out flat: row per account, column per
// catalog metric, so ranking and scoring read slices, not maps.
type table struct {
	accts   []Account
	cards   []Scorecard
	cardOf  []int
	metrics []Metric
	vals    []FeatureValue // len(accts) × len(metrics)
	has     []bool
	held    []bool   // metric column → some account of the run has it
	groupOf []int    // account → segment group index (-1: no segment)
	groups  []string // group index → segment label
	buf     []byte   // scratch for driver words
}

func newTable(accts []Account, fs FeatureSet, scs Scorecards) *table {
	t := &table{accts: accts, cards: scs.cards, metrics: scs.catalog.metrics}
	n, k := len(accts), len(t.metrics)
	t.vals, t.has, t.held = make([]FeatureValue, n*k), make([]bool, n*k), make([]bool, k)
	t.cardOf, t.groupOf = make([]int, n), make([]int, n)
	cardCache, groupIdx := map[[2]string]int{}, map[string]int{}
	for i, a := range accts {
		key := [2]string{strings.ToLower(a.Segment), strings.ToLower(a.Outcome)}
		c, ok := cardCache[key]
		if !ok {
			c = scs.indexFor(a)
			cardCache[key] = c
		}
		t.cardOf[i] = c
		t.groupOf[i] = -1
		if key[0] != "" {
			g, ok := groupIdx[key[0]]
			if !ok {
				g = len(t.groups)
				groupIdx[key[0]] = g
				t.groups = append(t.groups, a.Segment)
			}
			t.groupOf[i] = g
		}
		row := fs[a.ID]
		for j, m := range t.metrics {
			if fv, ok := row[m.Key]; ok && !math.IsNaN(fv.Value) && !math.IsInf(fv.Value, 0) {
				t.vals[i*k+j], t.has[i*k+j], t.held[j] = fv, true, true
			}
		}
	}
	t.zeroFillSparse()
	return t
}

// zeroFillSparse gives the accounts without rows of a sparse count (rows
// only on days something happened) a sum of 0 — but only where some
// account of the run sends it: a count nobody sends is no data, not a
// zero for everyone that would rank them all alike and count as fresh.
func (t *table) zeroFillSparse() {
	k := len(t.metrics)
	for j, m := range t.metrics {
		if !m.AbsentIsZero || m.Feature != FeatureSum || !t.held[j] {
			continue
		}
		for i := range t.accts {
			if !t.has[i*k+j] {
				t.vals[i*k+j], t.has[i*k+j] = FeatureValue{Value: 0, AgeDays: float64(m.WindowDays)}, true
			}
		}
	}
}

// peerRanks holds, per metric column, the sorted values of every segment
// group and of the whole portfolio.
type peerRanks struct {
	bySegment [][]Ranked // [col][group]
	all       []Ranked   // [col]
}

func (t *table) rankAll() peerRanks {
	k := len(t.metrics)
	p := peerRanks{bySegment: make([][]Ranked, k), all: make([]Ranked, k)}
	for j, m := range t.metrics {
		if m.Normalisation != NormPeerPercentile || !t.used(j) {
			continue
		}
		all := make([]float64, 0, len(t.accts))
		seg := make([][]float64, len(t.groups))
		for i := range t.accts {
			if !t.has[i*k+j] {
				continue
			}
			v := t.vals[i*k+j].Value
			all = append(all, v)
			if g := t.groupOf[i]; g >= 0 {
				seg[g] = append(seg[g], v)
			}
		}
		p.all[j] = Ranked{sorted: sortedInPlace(all)}
		p.bySegment[j] = make([]Ranked, len(t.groups))
		for g, vs := range seg {
			p.bySegment[j][g] = Ranked{sorted: sortedInPlace(vs)}
		}
	}
	return p
}

func sortedInPlace(v []float64) []float64 { slices.Sort(v); return v }

// used reports whether any scorecard scores metric column j.
func (t *table) used(j int) bool {
	key := t.metrics[j].Key
	for _, c := range t.cards {
		if _, ok := c.Metrics[key]; ok {
			return true
		}
	}
	return false
}

// famAcc accumulates one family's metrics for one account.
type famAcc struct {
	nominal float64 // Σ w over the scorecard's metrics with data in the run (for confidence)
	present float64 // Σ w over metrics with data
	fresh   float64 // Σ w·staleness over metrics with data
	sum     float64 // Σ w·staleness·score
}

// score computes one account's score from its scorecard's plan. A metric
// counts towards confidence only when some account of the run has it: a
// metric nobody sends is not missing for anyone. A metric whose direction
// is unknown is context: weight 0, however the scorecard weighs it.
func (t *table) score(i int, peers peerRanks, asOf time.Time) Score {
	card := t.cards[t.cardOf[i]]
	a := t.accts[i]
	k := len(t.metrics)
	var fam [4]famAcc
	var gaps gapList
	drivers := make([]Contribution, 0, len(card.plan))
	for _, p := range card.plan {
		j := p.col
		known := p.metric.DirectionKnown()
		weight := p.weight
		if !known {
			weight = 0
		}
		if t.held[j] {
			fam[p.family].nominal += weight
		}
		if !t.has[i*k+j] {
			if t.held[j] && weight > 0 {
				gaps.missing = append(gaps.missing, p)
			}
			continue
		}
		fv := t.vals[i*k+j]
		c := Contribution{Metric: p.metric.Key, Family: p.metric.Family, Label: p.metric.Label, Value: fv.Value, AgeDays: fv.AgeDays}
		stale := p.metric.Staleness(fv.AgeDays)
		if p.metric.Normalisation == NormAbsolute {
			c.Score = p.metric.MapAbsolute(fv.Value)
		} else {
			r := peers.all[j]
			c.PeerGroup = AllPeers
			if g := t.groupOf[i]; g >= 0 && peers.bySegment[j][g].Len() >= card.MinPeers {
				r, c.PeerGroup = peers.bySegment[j][g], t.groups[g]
			}
			c.PeerCount = r.Len()
			// Unknown direction: the rank from low to high, for context only.
			c.Score = r.Percentile(fv.Value, p.metric.HigherIsBetter || !known)
		}
		if stale < 1 {
			c.StalenessFactor, c.Stale = stale, stale == 0
		}
		if stale == 0 && weight > 0 {
			gaps.stale = append(gaps.stale, p)
		}
		c.Candidate = p.metric.Candidate
		if !known {
			c.DirectionUnknown = true
			gaps.waiting = append(gaps.waiting, p)
		}
		c.Weight = weight * stale // within the family for now
		f := &fam[p.family]
		f.present += weight
		f.fresh += c.Weight
		f.sum += c.Weight * c.Score
		t.buf, c.Detail = detail(t.buf, p.metric, c, a)
		drivers = append(drivers, c)
	}
	s := finish(card, a.ID, asOf, drivers, fam)
	if !s.HasScore() {
		s.Unscored = gaps.explain(card, s.Confidence, fam, t.anyWaiting(card))
	}
	return s
}

// anyWaiting lists the labels of the card's metrics that some account has
// but whose direction is unknown.
func (t *table) anyWaiting(card Scorecard) []string {
	var out []string
	for _, p := range card.plan {
		if !p.metric.DirectionKnown() && !p.metric.Candidate && t.held[p.col] {
			out = append(out, p.metric.Label)
		}
	}
	return out
}

// finish combines family subscores into the score and turns within-family
// weights into effective weights. A family's weight in the total is its
// scorecard weight × its freshness (Σw·staleness / Σw over present
// metrics), so that missing metrics re-weight within the family while a
// stale metric loses exactly its staleness share of weight.
func finish(card Scorecard, id int64, asOf time.Time, drivers []Contribution, fam [4]famAcc) Score {
	s := Score{AccountID: id, AsOf: asOf, Scorecard: card.Name, Band: BandNone, Subscores: map[Family]float64{}}
	var total, present, value, confidence float64
	var famWeight [4]float64 // weight in the total
	for f, name := range Families {
		fw := card.Families[name]
		if fam[f].nominal == 0 || fw == 0 {
			continue
		}
		total += fw
		if fam[f].fresh > 0 {
			famWeight[f] = fw * fam[f].fresh / fam[f].present
			present += famWeight[f]
			s.Subscores[name] = fam[f].sum / fam[f].fresh
			value += famWeight[f] * s.Subscores[name]
		}
	}
	for f := range Families {
		if total > 0 && fam[f].nominal > 0 {
			confidence += card.Families[Families[f]] / total * fam[f].fresh / fam[f].nominal
		}
	}
	s.Confidence = math.Min(1, confidence)
	for d := range drivers {
		c := &drivers[d]
		f := slices.Index(Families, c.Family)
		within := 0.0
		if famWeight[f] > 0 {
			within = c.Weight / fam[f].fresh
		}
		c.Weight = 0
		if present > 0 {
			c.Weight = famWeight[f] / present * within
		}
		c.Contribution = c.Weight * (c.Score - 50)
	}
	sortDrivers(drivers)
	s.Drivers = drivers
	if present > 0 && s.Confidence >= card.MinConfidence {
		s.Value = value / present
		s.Band = card.Bands.Fixed(s.Value)
	}
	return s
}
