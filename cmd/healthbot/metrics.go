package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func metricsCommand() command {
	return command{
		summary: "list every metric (built-in, declared, discovered in your data) with its coverage and direction",
		usage:   "metrics [--as-of DATE] [--scorecards FILE] [--json]",
		run:     runMetrics,
	}
}

// metricRow is one metric as `healthbot metrics` lists it.
type metricRow struct {
	Key           string                    `json:"key"`
	Signal        string                    `json:"signal"`
	Label         string                    `json:"label"`
	Origin        scoring.Origin            `json:"origin"`
	Family        scoring.Family            `json:"family"`
	Feature       scoring.Feature           `json:"feature"`
	WindowDays    int                       `json:"window_days,omitempty"`
	Kind          scoring.Kind              `json:"kind,omitempty"`
	Cadence       scoring.Cadence           `json:"cadence,omitempty"`
	Accounts      int                       `json:"accounts"`
	Rows          int64                     `json:"rows"`
	First         *time.Time                `json:"first,omitempty"`
	Last          *time.Time                `json:"last,omitempty"`
	Direction     string                    `json:"direction"` // higher_is_better, lower_is_better or unknown
	DirectionFrom scoring.DirectionSource   `json:"direction_from"`
	Evidence      *scoring.LearnedDirection `json:"evidence,omitempty"`
	Candidates    []string                  `json:"candidates,omitempty"` // alternative features the fit may pick
}

func runMetrics(ctx context.Context, e *env, args []string) error {
	fs := flags("metrics", e)
	cardsPath := fs.String("scorecards", "", "scorecard YAML file (default $HEALTHBOT_SCORECARDS, else the newest approved version, else the built-in defaults)")
	asJSON := fs.Bool("json", false, "print a JSON array")
	asOf := fs.String("as-of", "", "learn directions from the churn known by this day, YYYY-MM-DD (default today)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	day := scoring.Day(time.Now().In(e.cfg.TimeZone))
	if *asOf != "" {
		var err error
		if day, err = parseDay("as-of", *asOf); err != nil {
			return err
		}
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	cards, _, err := loadScorecards(ctx, st, *cardsPath, e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return err
	}
	d, err := app.Discover(ctx, st, cards, accounts, app.DiscoveryOptions{MinChurned: e.cfg.MinChurned, AsOf: app.ScoreTime(day)})
	if err != nil {
		return err
	}
	rows := metricRows(d)
	if *asJSON {
		return writeJSON(e.out, rows)
	}
	if err := printMetrics(e.out, rows, d, e.cfg.MinChurned); err != nil {
		return err
	}
	latest, err := st.LatestScores(ctx)
	if err != nil {
		return err
	}
	alive := map[int64]bool{}
	for _, a := range accounts {
		alive[a.ID] = a.AliveAt(app.ScoreTime(day))
	}
	latest = slices.DeleteFunc(latest, func(sc scoring.Score) bool { return !alive[sc.AccountID] }) // churned accounts keep their last rows
	if lines := unscoredLines(latest, 5); len(lines) > 0 {
		fmt.Fprintln(e.out, "Not enough data in the newest scores:")
		for _, l := range lines {
			fmt.Fprintln(e.out, "  "+l)
		}
	}
	return nil
}

// metricRows lists the catalog of d with each metric's profile; candidate
// features are listed under the metric they belong to.
func metricRows(d app.Discovery) []metricRow {
	profiles := map[string]scoring.MetricProfile{}
	for _, p := range d.Profiles {
		profiles[p.Signal] = p
	}
	var out []metricRow
	index := map[string]int{}
	for _, m := range d.Cards.Catalog().Metrics() {
		if m.Candidate {
			if i, ok := index[m.SignalKey()]; ok {
				out[i].Candidates = append(out[i].Candidates, m.Key)
			}
			continue
		}
		r := metricRow{Key: m.Key, Signal: m.SignalKey(), Label: m.Label, Origin: m.Origin, Family: m.Family,
			Feature: m.Feature, WindowDays: m.WindowDays, DirectionFrom: m.DirectionFrom}
		if r.Origin == "" {
			r.Origin = scoring.OriginBuiltin
			if _, builtin := scoring.DefaultCatalog().Metric(m.Key); !builtin {
				r.Origin = scoring.OriginDeclared
			}
		}
		if r.DirectionFrom == "" {
			r.DirectionFrom = scoring.DirectionDeclared
		}
		switch {
		case !m.DirectionKnown():
			r.Direction = "unknown"
		case m.HigherIsBetter:
			r.Direction = "higher_is_better"
		default:
			r.Direction = "lower_is_better"
		}
		if p, ok := profiles[m.SignalKey()]; ok {
			first, last := p.First, p.Last
			r.Accounts, r.Rows, r.First, r.Last, r.Cadence = p.Accounts, p.Rows, &first, &last, p.Cadence()
			if m.Origin == scoring.OriginDiscovered {
				r.Kind, r.Evidence = p.Kind(), p.Direction
			}
		}
		index[m.SignalKey()] = len(out)
		out = append(out, r)
	}
	return out
}

func printMetrics(w io.Writer, rows []metricRow, d app.Discovery, minChurned int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tORIGIN\tFAMILY\tFEATURE\tCADENCE\tACCOUNTS\tROWS\tFIRST\tLAST\tDIRECTION")
	unsent := 0
	for _, r := range rows {
		first, last, cadence := "–", "–", "–"
		if r.First != nil {
			first, last = r.First.Format(time.DateOnly), r.Last.Format(time.DateOnly)
		}
		if r.Cadence != "" {
			cadence = string(r.Cadence)
		}
		if r.Rows == 0 && r.Signal != store.PulseSignal {
			unsent++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\n", r.Key, r.Origin, r.Family, featureText(r.Feature, r.WindowDays),
			cadence, r.Accounts, r.Rows, first, last, directionText(r))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if unsent > 0 {
		fmt.Fprintf(w, "%d metrics have no data in signal; they do not count against any account's confidence.\n", unsent)
	}
	if line := waitingLine(d.Waiting(), d.Churned, minChurned); line != "" {
		fmt.Fprintln(w, line)
	}
	return nil
}

func featureText(f scoring.Feature, window int) string {
	if window > 0 {
		return fmt.Sprintf("%s %dd", f, window)
	}
	return string(f)
}

// directionText is "higher (declared)", "lower (learned, AUC 0.31)" or "unknown".
func directionText(r metricRow) string {
	switch r.Direction {
	case "unknown":
		if r.Evidence != nil && r.Evidence.Reason != "" {
			return "unknown: " + r.Evidence.Reason
		}
		return "unknown"
	case "higher_is_better":
		return "higher (" + directionFrom(r) + ")"
	}
	return "lower (" + directionFrom(r) + ")"
}

func directionFrom(r metricRow) string {
	if r.DirectionFrom == scoring.DirectionLearned && r.Evidence != nil {
		ci := r.Evidence.SeparationCI()
		return fmt.Sprintf("learned, AUC %.2f, CI %.2f–%.2f, %d churned", r.Evidence.Separation(), ci[0], ci[1], r.Evidence.Churned)
	}
	return string(r.DirectionFrom)
}

// waitingLine is the one line naming the metrics that wait for a
// direction and the two ways to give one ("" when none waits).
func waitingLine(waiting []scoring.Metric, churned, minChurned int) string {
	if len(waiting) == 0 {
		return ""
	}
	keys := make([]string, len(waiting))
	for i, m := range waiting {
		keys[i] = m.Key
	}
	what, verb := fmt.Sprintf("%d metrics wait", len(keys)), "do"
	if len(keys) == 1 {
		what, verb = "1 metric waits", "does"
	}
	if churned >= minChurned {
		return fmt.Sprintf("%s for a direction and %s not move scores yet: %s. The churn of %d accounts shows no clear direction "+
			"(`healthbot metrics` has the evidence): declare one in a scorecard (custom_metrics with higher_is_better), or wait for more churn.",
			what, verb, strings.Join(keys, ", "), churned)
	}
	return fmt.Sprintf("%s for a direction and %s not move scores yet: %s. Give one: declare it in a scorecard "+
		"(custom_metrics with higher_is_better), or let healthbot learn it from churn once %d accounts have churned (%d so far).",
		what, verb, strings.Join(keys, ", "), minChurned, churned)
}

// scoreDiscovering is the scheduled scoring run on the data's own metrics
// too: discovery with the configured minimum of churned accounts and the
// job's clock, then app.RunScoring. It logs how many metrics wait for a
// direction.
func (m *Main) scoreDiscovering(ctx context.Context, log *slog.Logger, cards scoring.Scorecards, day time.Time) (app.ScoreSummary, error) {
	accounts, err := m.store.Accounts(ctx)
	if err != nil {
		return app.ScoreSummary{}, err
	}
	d, err := app.Discover(ctx, m.store, cards, accounts, app.DiscoveryOptions{MinChurned: m.Config.MinChurned, AsOf: app.ScoreTime(day), Now: m.now})
	if err != nil {
		return app.ScoreSummary{}, err
	}
	if w := d.Waiting(); len(w) > 0 || d.Refreshed {
		log.InfoContext(ctx, "metrics discovered", "discovered", d.Cards.Catalog().Len()-cards.Catalog().Len(),
			"waiting_for_direction", len(w), "profiles_refreshed", d.Refreshed, "directions_learned", d.Learned)
	}
	return app.RunScoring(ctx, m.store, d.Cards, day)
}

// learnedLine says which directions the churn taught:
// "Learned from the churn of 39 accounts: logins higher is better, tickets_open lower is better."
func learnedLine(d app.Discovery) string {
	var parts []string
	for _, m := range d.Cards.Catalog().Metrics() {
		if m.DirectionFrom != scoring.DirectionLearned || m.Candidate {
			continue
		}
		dir := "lower is better"
		if m.HigherIsBetter {
			dir = "higher is better"
		}
		parts = append(parts, m.Key+" "+dir)
	}
	if len(parts) == 0 {
		return fmt.Sprintf("The churn of %d accounts shows no clear direction for any discovered metric yet.", d.Churned)
	}
	return fmt.Sprintf("Learned from the churn of %d accounts: %s.", d.Churned, strings.Join(parts, ", "))
}
