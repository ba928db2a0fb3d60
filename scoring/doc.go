// Package scoring is healthbot's pure domain core: accounts, observations,
// scorecards, scores, alerts and the backtest. It does no I/O (beyond parsing
// a YAML byte slice), so every rule that decides an account's health is
// testable with plain tables.
//
// # Scoring run (what cmd/store call)
//
//	scs, err := scoring.ParseScorecards(fileBytes)   // or scoring.DefaultScorecards()
//	metrics := scs.Catalog().Metrics()               // extract these features at T:
//	//   Metric.SignalKey() is the signal to read, Metric.Feature/WindowDays how to
//	//   summarise it; FeatureValue{Value, AgeDays} per account and Metric.Key.
//	scores := scoring.Compute(scoring.Input{AsOf: t, Accounts: accts, Features: fs, Scorecards: scs})
//
// Compute returns one Score per account alive at T (Account.AliveAt), in
// input order, with Score.AsOf = Day(T). It is pure and deterministic.
//
// # How a score is made (DESIGN §4)
//
//   - Metric score 0–100: peer_percentile ranks the feature among accounts of
//     the same segment alive at T that hold the metric, mid-ranks for ties,
//     100 × (below + ½·equal) / n with "below" meaning worse (lower-is-better
//     flips). Fewer than the scorecard's MinPeers holders in the segment (or
//     no segment): rank against all accounts (Contribution.PeerGroup = AllPeers).
//     absolute maps the value through Metric.Mapping (e.g. NPS −100..100).
//   - Staleness: a metric with StaleAfterDays counts fully up to FreshDays
//     (default StaleAfterDays/2) and linearly less until StaleAfterDays; the
//     factor multiplies its weight (built-in pulse: 14 → 30 days). A family's
//     weight in the total is scaled by its freshness (Σw·factor / Σw over its
//     present metrics), so a half-stale pulse counts half, while a missing
//     metric only re-weights within its family.
//   - Family subscore = weighted mean of present metric scores; score =
//     weighted mean of present family subscores. Missing data re-weights among
//     what is present. Confidence = share of the scorecard's nominal weight
//     that was present (after staleness), the nominal weight counting only
//     metrics some account of the run has. Below MinConfidence the band is
//     BandNone ("not enough data"), Value is 0 — never 50 — and
//     Score.Unscored says what is missing and the next step.
//   - A metric whose direction is unknown (Metric.DirectionKnown) has weight
//     0 whatever the scorecard says: a context driver (DirectionUnknown),
//     its Score the rank from low to high.
//   - Contribution.Weight is the effective weight in the total (family share
//     × metric share, after re-weighting), Contribution = Weight × (Score − 50),
//     so the contributions sum to Value − 50. Drivers are sorted most negative
//     first and include present weight-0 metrics (e.g. days_to_renewal) with
//     contribution 0, as context for alerts. Detail is the words without the
//     label; Contribution.Words() adds it. Negative/Positive pick the top ones.
//   - Bands: fixed thresholds (green ≥ 70, yellow ≥ 40) or quartiles of the
//     day's scores among the scorecard's accounts (worst quarter red, best green).
//
// # Scorecards (scorecard.go, scorecard_check.go, yaml.go, defaults.yaml)
//
// ParseScorecards reads the YAML file (see defaults.yaml, DefaultsYAML);
// NewScorecards builds them in code. Errors are joined *ScorecardError, each
// naming line, scorecard, field and problem. Scorecards.For(account) picks
// the most specific match (segment+outcome > segment > outcome > catch-all);
// a file without a catch-all gets the built-in one. Scorecard.Alerts holds the
// alert thresholds (AlertRules), the defaults where the file is silent.
// FormatScorecards writes scorecards back as a file ParseScorecards accepts.
//
// # Discovery (discover.go, directions.go, unscored.go)
//
// A MetricProfile summarises one signal key as stored; InferMetric turns it
// into a metric (kind, cadence, feature, family from the name, Candidate
// alternatives) and Discover does so for every key a catalog does not
// read. Scorecards.WithDiscovered adds them to the catalog and every
// scorecard. LearnDirections learns directions from churn (within-day
// clustered AUC whose 95 % interval excludes 0.5); a profile carrying a
// learned direction yields a metric with DirectionFrom = learned.
//
// # Named rules (rules.go) and trend (trend.go)
//
// Every rule with a name has its one definition in rules.go, and every
// surface (card, lists, App Home, digest, question tools, alerts) asks it:
// Scored (a real band), ScoreAt ("the score N days ago": the newest scored
// point on or before the day, fewer than ScoreAtMaxAgeDays older), Delta and
// TrendAt (ShortDeltaDays / LongDeltaDays), AtRisk (red, or yellow and down
// AtRiskDrop over LongDeltaDays), RenewalAtRisk (red or yellow, renewing
// within the window), Moved / Movers (a change of at least MoveMin). SQL
// that applies one takes these constants as parameters (store's
// account_state refresh, the question tools' filters). Series(scores) →
// []SeriesPoint; Daily + Sparkline / SparklineRange for the card's chart.
//
// # Backtest (backtest.go, evaluate.go, auc.go, split.go, fit.go, fitted.go, reference.go, logistic.go)
//
// Build one Example per account and month-end (NewExample(score,
// ChurnedWithin(acct, T, horizonDays)); MonthEnds lists the dates), then
// Backtest(examples, BacktestOptions{Scorecards: scs}) returns a
// BacktestReport (JSON-ready: auc, auc_ci, auc_fitted, auc_reference,
// n_accounts, n_churned, scorecards) with a plain-words Verdict, Summary,
// SuggestedYAML and the Fitted scorecards. ShuffleLabels makes the
// no-signal control. AUC intervals are clustered by account
// (ClusteredAUC), since one account seen at many month-ends is not many
// independent accounts. For honest labels pick month-ends at least the
// horizon before today. AUC, Evaluate, FitLogistic and FitLogisticCV are
// usable on their own.
//
// The fit (fit.go) learns what a person would otherwise guess:
//
//   - Candidates: every metric with data in the examples, except built-in
//     or declared metrics no scorecard weighs (days_to_renewal is context);
//     discovered metrics and their Candidate alternatives always.
//   - One coefficient per candidate's peer-percentile score, sign free
//     (L2 logistic regression, λ by 5-fold cross-validation grouped by
//     account on the training part only). Split by time when history
//     allows, else by accounts (split.go).
//   - Where discovered features of one signal compete (28-day mean vs
//     change), the strongest is kept and the fit is redone without the rest
//     (FitReport.Choices); the written scorecard declares the kept feature.
//   - A coefficient at least learnZ clustered standard errors from 0
//     (Bonferroni over the candidates) demonstrates a direction: a declared
//     one it contradicts is reversed, an unknown one is set, both marked
//     DirectionLearned. Weight = |coefficient|. Without such evidence a
//     metric keeps its direction, and weight 0 unless its sign agrees.
//   - The reference (reference.go): the same candidates' RAW values,
//     standardised, same split and penalty choice. The fitted score's
//     held-out AUC is compared with it (auc_reference); the summary says so
//     when the gap exceeds MaxExplainabilityGap. The fitted interval
//     containing 0.5 is the "no signal" verdict (FitReport.Signal).
//
// For calibration (fitted.go): BacktestReport.Fitted is the fitted
// Scorecards value, parsed from SuggestedYAML so both always agree. A
// scorecard whose training part has MinChurned churned (and retained)
// accounts gets its own fit; the others share the pooled one; with fewer
// than MinChurned churned accounts overall nothing is fitted (Fit.Err
// says why). In the file, a discovered metric the fit weighs is a custom
// metric with direction_from: learned, and a scorecard's own reversals are
// its learned_directions section (Scorecard.LearnedDirections).
package scoring
