package scoring

import (
	"sort"
	"time"
)

// DigestInput is what the Monday digest summarises; the store gathers it,
// the digest job renders the result.
type DigestInput struct {
	Now          time.Time
	Accounts     []Account       // every account; those alive at Now count
	Today        map[int64]Score // latest score per account
	LastWeek     map[int64]Score // the score ShortDeltaDays before (ScoreAt)
	FourWeeks    map[int64]Score // the score LongDeltaDays before (ScoreAt), for AtRisk
	Pulses       map[int64]Pulse // each account's latest pulse
	CSMs         []CSM
	Expansion    map[int64]string // live expansion alerts: account → summary
	RenewalDays  int              // renewals within this many days (default 90)
	MoversLimit  int              // how many movers each way (default 5)
	PulseMaxDays int              // pulse age that still counts (default 30)
	// PulseWeek is the ISO week whose completion is reported; default the
	// week before Now, since a Monday-morning digest precedes that week's
	// check-in.
	PulseWeek string
	// Answered holds the accounts with a pulse for PulseWeek; nil derives it
	// from Pulses (which hides an answer when a newer week's exists).
	Answered map[int64]bool
	// History is the band distribution at weekly marks, oldest first, for
	// the digest's chart; passed through as is.
	History []WeekBands
}

// WeekBands is the band distribution of the scores current on one day.
type WeekBands struct {
	Day   time.Time
	Bands map[Band]int
}

// AtRiskAccount is an account AtRisk names.
type AtRiskAccount struct {
	Account Account
	Score   float64
	Band    Band
	Delta28 *float64 // nil without a score LongDeltaDays before
}

// Mover is an account whose score moved over the week.
type Mover struct {
	Account  Account
	From, To float64
	Delta    float64
	Band     Band
}

// RenewalRisk is a renewal coming up on an account that is not green.
type RenewalRisk struct {
	Account Account
	Days    int
	Score   float64
	Band    Band
}

// PulseCompletion is one CSM's answered share of this week's pulse.
type PulseCompletion struct {
	CSM      CSM
	Answered int
	Total    int
	Missing  []Account // the accounts still without an answer, largest MRR first
}

// Expansion is an upsell candidate and why.
type Expansion struct {
	Account Account
	Reason  string
}

// Digest is the Monday portfolio summary.
type Digest struct {
	Week           string
	PulseWeek      string
	Bands          map[Band]int
	BandsLastWeek  map[Band]int
	Down, Up       []Mover
	NewlyRed       []Mover
	Renewals       []RenewalRisk
	AtRisk         []AtRiskAccount // AtRisk's accounts, lowest score first
	MRRAtRisk      float64
	Expansion      []Expansion
	Pulse          []PulseCompletion
	Disagreements  []Disagreement
	AccountsByID   map[int64]Account
	NotEnoughData  int
	ScoredAccounts int
	ScoresAsOf     time.Time // the newest score day the digest reports on
	History        []WeekBands
}

// BuildDigest computes the digest from one week's scores and pulses.
func BuildDigest(in DigestInput) Digest {
	if in.RenewalDays == 0 {
		in.RenewalDays = DefaultRenewalDays
	}
	if in.MoversLimit == 0 {
		in.MoversLimit = 5
	}
	if in.PulseMaxDays == 0 {
		in.PulseMaxDays = 30
	}
	if in.PulseWeek == "" {
		in.PulseWeek = ISOWeek(in.Now.AddDate(0, 0, -7))
	}
	d := Digest{
		Week: ISOWeek(in.Now), PulseWeek: in.PulseWeek, Bands: map[Band]int{}, BandsLastWeek: map[Band]int{},
		AccountsByID: map[int64]Account{}, History: in.History,
	}
	moves := make([]Mover, 0, len(in.Accounts))
	for _, a := range in.Accounts {
		if !a.AliveAt(in.Now) {
			continue
		}
		d.AccountsByID[a.ID] = a
		now, ok := in.Today[a.ID]
		if !ok || !now.HasScore() {
			d.NotEnoughData++
			continue
		}
		d.ScoredAccounts++
		d.Bands[now.Band]++
		if now.AsOf.After(d.ScoresAsOf) {
			d.ScoresAsOf = now.AsOf
		}
		before, had := in.LastWeek[a.ID]
		if had && before.HasScore() {
			d.BandsLastWeek[before.Band]++
			m := Mover{Account: a, From: before.Value, To: now.Value, Delta: now.Value - before.Value, Band: now.Band}
			moves = append(moves, m)
			if now.Band == BandRed && before.Band != BandRed {
				d.NewlyRed = append(d.NewlyRed, m)
			}
		}
		d.addRenewal(in, a, now)
		var delta28 *float64
		if then, ok := in.FourWeeks[a.ID]; ok { // ScoreAt's points are scored ones
			delta28 = new(now.Value - then.Value)
		}
		if AtRisk(now.Band, delta28) {
			d.AtRisk = append(d.AtRisk, AtRiskAccount{Account: a, Score: now.Value, Band: now.Band, Delta28: delta28})
		}
		if p, ok := in.Pulses[a.ID]; ok {
			if dis, ok := PulseDisagrees(now, &p, in.PulseMaxDays); ok {
				d.Disagreements = append(d.Disagreements, dis)
			}
		}
		if why, ok := in.Expansion[a.ID]; ok {
			d.Expansion = append(d.Expansion, Expansion{Account: a, Reason: why})
		}
	}
	d.Down, d.Up = Movers(moves, func(m Mover) (float64, bool) { return m.Delta, true }, in.MoversLimit)
	sort.Slice(d.NewlyRed, func(i, j int) bool { return d.NewlyRed[i].To < d.NewlyRed[j].To })
	sort.Slice(d.Renewals, func(i, j int) bool { return d.Renewals[i].Days < d.Renewals[j].Days })
	sort.SliceStable(d.AtRisk, func(i, j int) bool { return d.AtRisk[i].Score < d.AtRisk[j].Score })
	sort.Slice(d.Expansion, func(i, j int) bool { return d.Expansion[i].Account.MRR > d.Expansion[j].Account.MRR })
	sort.Slice(d.Disagreements, func(i, j int) bool { return d.Disagreements[i].AccountID < d.Disagreements[j].AccountID })
	d.Pulse = pulseCompletion(in, d.AccountsByID)
	return d
}

func (d *Digest) addRenewal(in DigestInput, a Account, s Score) {
	if !RenewalAtRisk(s.Band, a.RenewalDate, in.Now, in.RenewalDays) {
		return
	}
	days, _ := RenewsWithin(a.RenewalDate, in.Now, in.RenewalDays)
	d.Renewals = append(d.Renewals, RenewalRisk{Account: a, Days: days, Score: s.Value, Band: s.Band})
	d.MRRAtRisk += a.MRR
}

// pulseCompletion counts, per CSM who owns live accounts, how many of them
// have a pulse for the reported week; least complete first.
func pulseCompletion(in DigestInput, alive map[int64]Account) []PulseCompletion {
	week := in.PulseWeek
	byCSM := map[int64]*PulseCompletion{}
	for _, c := range in.CSMs {
		byCSM[c.ID] = &PulseCompletion{CSM: c}
	}
	for id, a := range alive {
		pc, ok := byCSM[a.OwnerID]
		if !ok {
			continue
		}
		pc.Total++
		if answered(in, id, week) {
			pc.Answered++
		} else {
			pc.Missing = append(pc.Missing, a)
		}
	}
	var out []PulseCompletion
	for _, pc := range byCSM {
		if pc.Total > 0 {
			sort.Slice(pc.Missing, func(i, j int) bool {
				if pc.Missing[i].MRR != pc.Missing[j].MRR {
					return pc.Missing[i].MRR > pc.Missing[j].MRR
				}
				return pc.Missing[i].ID < pc.Missing[j].ID
			})
			out = append(out, *pc)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		ri := float64(out[i].Answered) / float64(out[i].Total)
		rj := float64(out[j].Answered) / float64(out[j].Total)
		if ri != rj {
			return ri < rj
		}
		return out[i].CSM.Name < out[j].CSM.Name
	})
	return out
}

// answered reports whether the account has a pulse for week.
func answered(in DigestInput, id int64, week string) bool {
	if in.Answered != nil {
		return in.Answered[id]
	}
	p, ok := in.Pulses[id]
	return ok && p.Week == week
}
