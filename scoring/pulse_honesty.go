package scoring

import (
	"cmp"
	"slices"
	"time"
)

// PulseObservation is one pulse answer with what the data said at the time
// and what became of the account: the input of PulseHonesty.
type PulseObservation struct {
	CSMID     int64
	CSMName   string
	AccountID int64
	Rating    Rating
	DataBand  Band // the account's band on the day of the answer; BandNone if unscored
	// Subscores and Scorecard are that day's score's, so WithDataBands can
	// band the data without the pulse family (nil: DataBand stands).
	Subscores  map[Family]float64
	Scorecard  string
	AnsweredAt time.Time
	ChurnedAt  time.Time // zero: still a customer
}

// PulseHonestyReport is one CSM's pulse over the history (#17 "pulse
// honesty"): how their ratings split, how often they disagreed with the
// data's band, and how well they ranked the accounts that later churned.
type PulseHonestyReport struct {
	CSMID    int64
	CSMName  string
	Answers  int
	Accounts int // distinct accounts rated
	// Healthy, Concerning and Poor are shares of Answers.
	Healthy, Concerning, Poor float64
	// Compared is how many answers had a data band to compare with;
	// Disagree the share of those whose rating is not the band's
	// (Healthy↔green, Concerning↔yellow, Poor↔red).
	Compared int
	Disagree float64
	// RedAccounts is the share of the rated accounts (those with a band
	// to compare) that the data put in red at one of the CSM's answers.
	RedAccounts float64
	// Churn ranking: AUC of the ratings (Poor highest) for "churned within
	// the horizon of the answer", with its clustered 95 % interval; Judged
	// is false when there was too little churn (or too little non-churn)
	// to tell, and then AUC and CI mean nothing.
	Churned int
	Judged  bool
	AUC     float64
	CI      Interval
	// MostlyGreen: Healthy ≥ the threshold while RedAccounts ≥ its own.
	MostlyGreen bool
}

// MinChurnToJudge is how many churned (and how many retained) rated
// accounts a CSM needs before their ratings' AUC is reported.
const MinChurnToJudge = 3

// HonestyThresholds are the "mostly green" flag's lines (AlertRules'
// mostly_green_* in the scorecard).
type HonestyThresholds struct {
	Healthy float64 // e.g. 0.85
	Red     float64 // e.g. 0.30
}

// HonestyThresholdsOf reads the thresholds from the default scorecard's
// alert rules.
func HonestyThresholdsOf(r AlertRules) HonestyThresholds {
	d := DefaultAlertRules()
	return HonestyThresholds{Healthy: cmp.Or(r.MostlyGreenHealthy, d.MostlyGreenHealthy), Red: cmp.Or(r.MostlyGreenRed, d.MostlyGreenRed)}
}

// PulseHonesty reports per CSM (by name, then id) over obs; an answer is
// labelled churned when its account churned within horizon after it.
func PulseHonesty(obs []PulseObservation, horizon time.Duration, th HonestyThresholds) []PulseHonestyReport {
	by := map[int64][]PulseObservation{}
	for _, o := range obs {
		by[o.CSMID] = append(by[o.CSMID], o)
	}
	out := make([]PulseHonestyReport, 0, len(by))
	for id, os := range by {
		out = append(out, honestyOf(id, os, horizon, th))
	}
	slices.SortFunc(out, func(a, b PulseHonestyReport) int {
		return cmp.Or(cmp.Compare(a.CSMName, b.CSMName), cmp.Compare(a.CSMID, b.CSMID))
	})
	return out
}

func honestyOf(id int64, os []PulseObservation, horizon time.Duration, th HonestyThresholds) PulseHonestyReport {
	r := PulseHonestyReport{CSMID: id, CSMName: os[0].CSMName, Answers: len(os)}
	var h, c, p, disagree int
	latest := map[int64]PulseObservation{}
	red := map[int64]bool{} // compared accounts: was red at one of the answers
	churnedAcct := map[int64]bool{}
	retainedAcct := map[int64]bool{}
	pred := make([]float64, 0, len(os))
	pos := make([]bool, 0, len(os))
	cluster := make([]int64, 0, len(os))
	for _, o := range os {
		switch o.Rating {
		case RatingHealthy:
			h++
		case RatingConcerning:
			c++
		case RatingPoor:
			p++
		}
		if o.DataBand == BandGreen || o.DataBand == BandYellow || o.DataBand == BandRed {
			r.Compared++
			if ratingBand(o.Rating) != o.DataBand {
				disagree++
			}
			red[o.AccountID] = red[o.AccountID] || o.DataBand == BandRed
		}
		if l, ok := latest[o.AccountID]; !ok || o.AnsweredAt.After(l.AnsweredAt) {
			latest[o.AccountID] = o
		}
		churned := !o.ChurnedAt.IsZero() && !o.ChurnedAt.Before(o.AnsweredAt) && o.ChurnedAt.Sub(o.AnsweredAt) <= horizon
		if churned {
			churnedAcct[o.AccountID] = true
		} else {
			retainedAcct[o.AccountID] = true
		}
		pred = append(pred, ratingRisk(o.Rating))
		pos = append(pos, churned)
		cluster = append(cluster, o.AccountID)
	}
	n := float64(len(os))
	r.Healthy, r.Concerning, r.Poor = float64(h)/n, float64(c)/n, float64(p)/n
	if r.Compared > 0 {
		r.Disagree = float64(disagree) / float64(r.Compared)
	}
	r.Accounts = len(latest)
	nRed := 0
	for _, was := range red {
		if was {
			nRed++
		}
	}
	if len(red) > 0 {
		r.RedAccounts = float64(nRed) / float64(len(red))
	}
	r.Churned = len(churnedAcct)
	if len(churnedAcct) >= MinChurnToJudge && len(retainedAcct) >= MinChurnToJudge {
		r.Judged = true
		r.AUC, r.CI = ClusteredAUC(pred, pos, cluster)
	}
	r.MostlyGreen = r.Healthy >= th.Healthy && r.RedAccounts >= th.Red
	return r
}

// DataBand is the band the data alone gives a score: the weighted mean of
// its family subscores other than the pulse, banded by the scorecard's
// thresholds. A CSM's own ratings feed the pulse family, so the full
// score's band partly echoes them; comparing a rating with it would let a
// rosy pulse vouch for itself. ok is false without other subscores.
func DataBand(subscores map[Family]float64, card Scorecard) (Band, bool) {
	sum, w := 0.0, 0.0
	for f, v := range subscores {
		if f == FamilyPulse {
			continue
		}
		wt, ok := card.Families[f]
		if !ok {
			wt = 1
		}
		sum += wt * v
		w += wt
	}
	if w == 0 {
		return BandNone, false
	}
	b := card.Bands
	if b.Green == 0 && b.Yellow == 0 {
		b = DefaultBands()
	}
	return b.Fixed(sum / w), true
}

// WithDataBands re-bands each observation by DataBand under its scorecard
// (cards zero: the defaults), where its subscores allow.
func WithDataBands(obs []PulseObservation, cards Scorecards) []PulseObservation {
	if cards.IsZero() {
		cards = DefaultScorecards()
	}
	out := slices.Clone(obs)
	for i, o := range out {
		if len(o.Subscores) == 0 {
			continue
		}
		card, ok := cards.Get(o.Scorecard)
		if !ok {
			card = cards.For(Account{})
		}
		if b, ok := DataBand(o.Subscores, card); ok {
			out[i].DataBand = b
		}
	}
	return out
}

// ratingBand is the band a rating agrees with.
func ratingBand(r Rating) Band {
	switch r {
	case RatingHealthy:
		return BandGreen
	case RatingConcerning:
		return BandYellow
	case RatingPoor:
		return BandRed
	}
	return BandNone
}

// ratingRisk orders ratings by the churn risk they claim.
func ratingRisk(r Rating) float64 {
	switch r {
	case RatingPoor:
		return 2
	case RatingConcerning:
		return 1
	}
	return 0
}
