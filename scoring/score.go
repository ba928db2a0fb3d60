package scoring

import "time"

// Score is one account's health at one as-of date, as stored and shown.
type Score struct {
	AccountID  int64
	AsOf       time.Time // a date (UTC midnight)
	Scorecard  string
	Value      float64 // 0–100; meaningless when Band is BandNone
	Band       Band    // BandNone: not enough data
	Confidence float64 // share of the total weight that had data, 0–1
	Subscores  map[Family]float64
	Drivers    []Contribution // every metric present, most negative first
	// Unscored says, when Band is BandNone, what is missing and the next step.
	Unscored *NotEnoughData
}

// Contribution is one metric's part in a score:
// Contribution = EffectiveWeight × (Score − 50).
type Contribution struct {
	Metric          string  `json:"metric"`
	Family          Family  `json:"family"`
	Label           string  `json:"label"`
	Value           float64 `json:"value"`  // the feature value
	Score           float64 `json:"score"`  // 0–100 after normalisation
	Weight          float64 `json:"weight"` // effective weight in the total, after re-weighting
	Contribution    float64 `json:"contribution"`
	Detail          string  `json:"detail"`               // in words: "12th percentile of Enterprise peers — 4 of 40 seats active"
	PeerGroup       string  `json:"peer_group,omitempty"` // "Enterprise" or "all accounts" after fallback
	PeerCount       int     `json:"peer_count,omitempty"` // peers holding the metric
	AgeDays         float64 `json:"age_days,omitempty"`   // age of the newest observation
	StalenessFactor float64 `json:"staleness,omitempty"`  // 1 fresh … 0 ignored; 0 omitted means fresh
	Stale           bool    `json:"stale,omitempty"`      // too old to count: weight 0 (StalenessFactor is then 0 too)
	// DirectionUnknown: a discovered metric shown as context; Score is its
	// rank from low to high and it has weight 0.
	DirectionUnknown bool `json:"direction_unknown,omitempty"`
	// Candidate: an alternative feature only the fit reads; not for people.
	Candidate bool `json:"candidate,omitempty"`
}
