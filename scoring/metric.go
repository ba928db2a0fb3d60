package scoring

// Feature says how a metric's observations become one number at as-of T.
// FeatureOf (feature.go) is the definition; these are its summaries.
type Feature string

const (
	// FeatureLatest is the newest observation at or before T (within the
	// window if one is set, else within MaxLookbackDays).
	FeatureLatest Feature = "latest"
	// FeatureSum adds the observations in (T-window, T].
	FeatureSum Feature = "sum"
	// FeatureMean averages the observations in (T-window, T].
	FeatureMean Feature = "mean"
	// FeatureChange is the relative change (now-then)/|then| of the latest
	// value in (T-window, T] against the latest in (T-2·window, T-window].
	FeatureChange Feature = "change"
	// FeatureDaysSince counts days from the newest observation with a value
	// > 0 in the window to T; with none in the window it is the window
	// length, and missing when nothing was observed within
	// max(window, MaxLookbackDays).
	FeatureDaysSince Feature = "days_since"
)

// Origin says where a metric's definition came from.
type Origin string

const (
	// OriginBuiltin is a metric of DefaultCatalog.
	OriginBuiltin Origin = "built-in"
	// OriginDeclared is a custom metric written in a scorecard file or version.
	OriginDeclared Origin = "declared"
	// OriginDiscovered is a signal (or product event) found in the data that
	// no scorecard declares; its definition is inferred from the data.
	OriginDiscovered Origin = "discovered"
)

// DirectionSource says how a metric's direction (HigherIsBetter) is known.
// A metric whose direction is unknown is shown as context and never moves
// a score: guessing it would be a hand-written rule nobody wrote.
type DirectionSource string

const (
	// DirectionDeclared: built in, or written in a scorecard by a person.
	DirectionDeclared DirectionSource = "declared"
	// DirectionLearned: fitted from the portfolio's churn history.
	DirectionLearned DirectionSource = "learned"
	// DirectionUnknown: discovered, and no churn evidence for a direction yet.
	DirectionUnknown DirectionSource = "unknown"
)

// Normalisation turns a feature value into a 0–100 metric score.
type Normalisation string

const (
	// NormPeerPercentile ranks the value among the account's peers.
	NormPeerPercentile Normalisation = "peer_percentile"
	// NormAbsolute maps the value through fixed points (piecewise linear).
	NormAbsolute Normalisation = "absolute"
)

// Point is one (value, score) pair of an absolute mapping.
type Point struct {
	Value float64 `yaml:"value" json:"value"`
	Score float64 `yaml:"score" json:"score"`
}

// Metric is one entry of the catalog: what to read, how to summarise it and
// how to turn it into a score.
type Metric struct {
	Key            string        `yaml:"key" json:"key"`
	Signal         string        `yaml:"signal" json:"signal"` // signal metric read; defaults to Key
	Family         Family        `yaml:"family" json:"family"`
	Label          string        `yaml:"label" json:"label"`
	Unit           string        `yaml:"unit" json:"unit"`
	HigherIsBetter bool          `yaml:"higher_is_better" json:"higher_is_better"`
	Feature        Feature       `yaml:"feature" json:"feature"`
	WindowDays     int           `yaml:"window_days" json:"window_days"`
	Normalisation  Normalisation `yaml:"normalisation" json:"normalisation"`
	Mapping        []Point       `yaml:"mapping" json:"mapping"`                   // for NormAbsolute, sorted by Value
	StaleAfterDays int           `yaml:"stale_after_days" json:"stale_after_days"` // 0: never stale
	// FreshDays is how old an observation may be at full weight; from there
	// the weight falls linearly to 0 at StaleAfterDays (0: StaleAfterDays/2).
	FreshDays int `yaml:"fresh_days" json:"fresh_days,omitempty"`
	// Weight is the metric's weight within its family when a scorecard names none.
	Weight float64 `yaml:"weight" json:"weight"`
	// Text phrases the value for people, e.g. "{value} of seats active";
	// {value} is the value formatted by Unit, {seats} adds " (4 of 40 seats)".
	Text string `yaml:"text" json:"text,omitempty"`
	// Origin and DirectionFrom say where the definition and the direction
	// came from; "" reads as built-in / declared.
	Origin        Origin          `yaml:"-" json:"origin,omitempty"`
	DirectionFrom DirectionSource `yaml:"-" json:"direction_from,omitempty"`
	// Candidate marks an alternative feature of a discovered signal (e.g.
	// its 28-day change beside its 28-day mean) that only the fit reads;
	// cards and drivers in words leave it out.
	Candidate bool `yaml:"-" json:"candidate,omitempty"`
	// AbsentIsZero makes a sum of a count whose rows exist only on days
	// something happened (an event sent as a daily count) read 0 for an
	// account with no row in the window, rather than "no data": "removed
	// no seats this quarter" is a fact, not a gap.
	AbsentIsZero bool `yaml:"-" json:"absent_is_zero,omitempty"`
}

// DirectionKnown reports whether the metric's direction was declared or
// learned, i.e. whether it may move a score.
func (m Metric) DirectionKnown() bool { return m.DirectionFrom != DirectionUnknown }

// SignalKey is the signal metric this catalog metric reads.
func (m Metric) SignalKey() string {
	if m.Signal != "" {
		return m.Signal
	}
	return m.Key
}

// FeatureValue is one metric's feature for one account at as-of T, with the
// age in days of the newest observation behind it (for staleness).
type FeatureValue struct {
	Value   float64
	AgeDays float64
}

// FeatureSet holds every account's features at one as-of time:
// account id → metric key → value. A missing key means no data.
type FeatureSet map[int64]map[string]FeatureValue
