package scoring

import (
	"cmp"
	"slices"
	"time"
)

// PulseObservation is one pulse answer with what the data said at the time
// and what became of the account: the input of PulseHonesty.
type PulseObservation struct {
	CSMID      int64
	CSMName    string
	AccountID  int64
	Rating     Rating
	DataBand   Band // the account's band on the day of the answer; BandNone if unscored
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
	// RedAccounts is the share of the rated accounts whose band at their
	// latest rated answer was red.
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
	red := 0
	for _, l := range latest {
		if l.DataBand == BandRed {
			red++
		}
	}
	r.RedAccounts = float64(red) / float64(r.Accounts)
	r.Churned = len(churnedAcct)
	if len(churnedAcct) >= MinChurnToJudge && len(retainedAcct) >= MinChurnToJudge {
		r.Judged = true
		r.AUC, r.CI = ClusteredAUC(pred, pos, cluster)
	}
	r.MostlyGreen = r.Healthy >= th.Healthy && r.RedAccounts >= th.Red
	return r
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
