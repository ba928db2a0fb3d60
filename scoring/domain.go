package scoring

import "time"

// Band is the colour a score falls in; BandNone means "not enough data".
type Band string

const (
	BandGreen  Band = "green"
	BandYellow Band = "yellow"
	BandRed    Band = "red"
	BandNone   Band = "none"
)

// BandOrder is every band in the order every surface lists them: best
// first, "not enough data" last.
func BandOrder() []Band { return []Band{BandGreen, BandYellow, BandRed, BandNone} }

// Family groups metrics so that one noisy source cannot dominate a score.
type Family string

const (
	FamilyUsage      Family = "usage"
	FamilyEngagement Family = "engagement"
	FamilyPulse      Family = "pulse"
	FamilyContract   Family = "contract"
)

// Families lists the families in display order.
var Families = []Family{FamilyUsage, FamilyEngagement, FamilyPulse, FamilyContract}

// Rating is a CSM's weekly judgement of an account.
type Rating string

const (
	RatingHealthy    Rating = "healthy"
	RatingConcerning Rating = "concerning"
	RatingPoor       Rating = "poor"
)

// ParseRating accepts a rating in any case; ok is false for anything else.
func ParseRating(s string) (Rating, bool) {
	switch r := Rating(lower(s)); r {
	case RatingHealthy, RatingConcerning, RatingPoor:
		return r, true
	}
	return "", false
}

// CSM is a Customer Success Manager who owns accounts.
type CSM struct {
	ID          int64
	SlackUserID string
	Email       string
	Name        string
	TZ          string
	Active      bool
}

// Account is one customer. Zero times mean "unknown".
type Account struct {
	ID          int64
	ExternalID  string
	Name        string
	Domain      string
	Segment     string
	Outcome     string
	OwnerID     int64 // 0 when unowned
	Owner       CSM   // filled when the store joins it
	Plan        string
	MRR         float64
	Seats       int
	RenewalDate time.Time
	StartedAt   time.Time
	ChurnedAt   time.Time
	Attributes  map[string]any
}

// AliveAt reports whether the account was a customer at t: started (or of
// unknown start) and not yet churned.
func (a Account) AliveAt(t time.Time) bool {
	if !a.StartedAt.IsZero() && a.StartedAt.After(t) {
		return false
	}
	return a.ChurnedAt.IsZero() || a.ChurnedAt.After(t)
}

// Observation is one value of one metric for one account.
type Observation struct {
	AccountID  int64
	Metric     string
	ObservedAt time.Time
	Value      float64
	Source     string
}

// Pulse is one CSM answer for one account and ISO week.
type Pulse struct {
	ID         int64
	AccountID  int64
	CSMID      int64
	CSMName    string
	Rating     Rating
	Reasons    []string
	Note       string
	Week       string // ISO week, "2026-W48"
	AnsweredAt time.Time
	Source     string
}

// ISOWeek formats t's ISO week as "2026-W48", the key pulses and job slots use.
func ISOWeek(t time.Time) string {
	y, w := t.ISOWeek()
	return isoWeek(y, w)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
