package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
	"github.com/healthbot/healthbot/store"
)

func scoreCommand() command {
	return command{
		summary: "score every account and store the scores (one row per account and day)",
		usage:   "score [--as-of DATE | --from DATE [--to DATE]] [--scorecards FILE] [--dry-run | --alerts | --json]",
		run:     runScore,
	}
}

// scoreFlags are the parsed flags of the score command.
type scoreFlags struct {
	days       []time.Time // the days to score, oldest first
	scorecards string
	dryRun     bool
	alerts     bool // then run the alert rules on the last day (score_alerts.go)
	json       bool // print one scoreJSON object instead of lines for people (score_json.go)
}

func parseScoreFlags(e *env, args []string) (scoreFlags, error) {
	fs := flags("score", e)
	asOf := fs.String("as-of", "", "the day to score, YYYY-MM-DD (default today)")
	from := fs.String("from", "", "backfill: first day to score, YYYY-MM-DD")
	to := fs.String("to", "", "backfill: last day to score, YYYY-MM-DD (default today)")
	cards := fs.String("scorecards", "", "scorecard YAML file (default $HEALTHBOT_SCORECARDS, else the newest approved version, else the built-in defaults)")
	dry := fs.Bool("dry-run", false, "write nothing; list the accounts whose band the scorecard file would change")
	alerts := fs.Bool("alerts", false, "then evaluate the alert rules for the last day scored (posted when SLACK_BOT_TOKEN is set)")
	asJSON := fs.Bool("json", false, "print one JSON object (the scorecards used, and each day's accounts, bands and rows written) instead of lines for people")
	if err := parseFlags(fs, args); err != nil {
		return scoreFlags{}, err
	}
	if fs.NArg() > 0 {
		return scoreFlags{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	today := scoring.Day(time.Now().In(e.cfg.TimeZone))
	f := scoreFlags{scorecards: *cards, dryRun: *dry, alerts: *alerts, json: *asJSON}
	if *alerts && *dry {
		return f, usagef("--alerts acts on stored scores, so it cannot go with --dry-run")
	}
	if *asJSON && (*dry || *alerts) {
		return f, usagef("--json prints a scoring run: it cannot go with --dry-run or --alerts")
	}
	switch {
	case *asOf != "" && (*from != "" || *to != ""):
		return f, usagef("--as-of and --from/--to exclude each other")
	case *to != "" && *from == "":
		return f, usagef("--to needs --from")
	case *from != "":
		first, err := parseDay("from", *from)
		if err != nil {
			return f, err
		}
		last := today
		if *to != "" {
			if last, err = parseDay("to", *to); err != nil {
				return f, err
			}
		}
		if last.Before(first) {
			return f, usagef("--from %s is after --to %s", *from, last.Format(time.DateOnly))
		}
		if *dry {
			return f, usagef("--dry-run compares one day: use --as-of")
		}
		for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
			f.days = append(f.days, d)
		}
	default:
		day := today
		if *asOf != "" {
			var err error
			if day, err = parseDay("as-of", *asOf); err != nil {
				return f, err
			}
		}
		f.days = []time.Time{day}
	}
	return f, nil
}

func parseDay(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, usagef("--%s %q is not a date like 2026-03-31", flag, s)
	}
	return t, nil
}

// loadScorecards is the scorecard set in force (app.ScorecardsInForce):
// the file named by flagPath, else by HEALTHBOT_SCORECARDS (envPath), else
// the newest approved version in st, else the built-in defaults; source
// says which, for people.
func loadScorecards(ctx context.Context, st *store.Store, flagPath, envPath string) (cards scoring.Scorecards, source string, err error) {
	var versions app.ScorecardVersions
	if st != nil { // a nil *store.Store must not become a non-nil interface
		versions = st
	}
	in, err := app.ScorecardsInForce(ctx, versions, cmp.Or(flagPath, envPath))
	return in.Cards, in.Source, err
}

// cardsInForce is loadScorecards for serve's request-time views (the
// team view): the file named by HEALTHBOT_SCORECARDS, else the newest
// approved version, else the built-in defaults.
func (m *Main) cardsInForce(ctx context.Context) (scoring.Scorecards, error) {
	cards, _, err := loadScorecards(ctx, m.store, "", m.Config.ScorecardsFile)
	return cards, err
}

func runScore(ctx context.Context, e *env, args []string) error {
	f, err := parseScoreFlags(e, args)
	if err != nil {
		return err
	}
	pool, err := openDB(ctx, e, false)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool)
	current, currentSrc, err := loadScorecards(ctx, st, "", e.cfg.ScorecardsFile)
	if err != nil {
		return err
	}
	cards, src := current, currentSrc
	if f.scorecards != "" {
		if cards, src, err = loadScorecards(ctx, nil, f.scorecards, ""); err != nil {
			return err
		}
	}
	if f.dryRun {
		return dryRunScore(ctx, e.out, st, f.days[0], current, currentSrc, cards, src)
	}
	if f.json {
		return scoreAsJSON(ctx, e, st, cards, src, f.days)
	}
	fmt.Fprintf(e.out, "Scoring with %s.\n", src)
	if cards, err = discoverMetrics(ctx, e, st, cards, f.days[len(f.days)-1]); err != nil {
		return err
	}
	if err := backfill(ctx, e, st, cards, f.days); err != nil || !f.alerts {
		return err
	}
	return scoreAlerts(ctx, e, st, cards, f.days[len(f.days)-1])
}

// backfill scores each day in turn; each day is written in one
// transaction. Several days share one pass over the signals
// (app.Backfill); the bar shows days/s as they are written.
func backfill(ctx context.Context, e *env, st *store.Store, cards scoring.Scorecards, days []time.Time) error {
	var written int64
	bar := newDayProgress(e.err, len(days) > 1 && isTerminal(e.err), len(days), time.Now)
	defer bar.clear()
	done := 0
	report := func(sum app.ScoreSummary) {
		done++
		written += sum.Written
		bar.day()
		e.log.Debug("scored", "as_of", sum.AsOf.Format(time.DateOnly), "accounts", len(sum.Scores), "took", sum.Took)
		last := done == len(days)
		if bar.on && !last {
			return // the bar shows the days in between
		}
		if len(days) <= 31 || done%30 == 0 || last {
			fmt.Fprintf(e.out, "%s  %d accounts: %s  (%.1fs)\n", sum.AsOf.Format(time.DateOnly), len(sum.Scores),
				bandLine(sum.Bands), sum.Took.Seconds())
		}
		if last {
			for _, line := range unscoredLines(sum.Scores, 3) {
				fmt.Fprintln(e.out, "  "+line)
			}
		}
	}
	if len(days) > 1 {
		bar.reading()
	}
	if err := scoreDays(ctx, st, cards, days, report); err != nil {
		return err
	}
	if len(days) == 1 {
		return nil
	}
	fmt.Fprintf(e.out, "Backfilled %d days from %s to %s: %d score rows written.\n", len(days),
		days[0].Format(time.DateOnly), days[len(days)-1].Format(time.DateOnly), written)
	return nil
}

// scoreDays scores days in order, reporting each: one day is a daily
// scoring run, more are a backfill (one pass over the signals for all).
func scoreDays(ctx context.Context, st *store.Store, cards scoring.Scorecards, days []time.Time, done func(app.ScoreSummary)) error {
	if len(days) == 1 {
		sum, err := app.RunScoring(ctx, st, cards, days[0])
		if err != nil {
			return err
		}
		done(sum)
		return nil
	}
	return app.Backfill(ctx, st, cards, days, done)
}

// discoverMetrics adds the signals no scorecard reads to cards (learning
// their directions when the profiles refresh and enough accounts churned)
// and prints one line naming the metrics that wait for a direction.
func discoverMetrics(ctx context.Context, e *env, st *store.Store, cards scoring.Scorecards, day time.Time) (scoring.Scorecards, error) {
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return cards, err
	}
	d, err := app.Discover(ctx, st, cards, accounts, app.DiscoveryOptions{MinChurned: e.cfg.MinChurned, AsOf: app.ScoreTime(day)})
	if err != nil {
		return cards, err
	}
	if d.Learned {
		fmt.Fprintln(e.out, learnedLine(d))
	}
	if line := waitingLine(d.Waiting(), d.Churned, e.cfg.MinChurned); line != "" {
		fmt.Fprintln(e.out, line)
	}
	return d.Cards, nil
}

// unscoredLines explains the "not enough data" scores, the most common
// explanations first, at most n lines: "12 accounts: not enough data: … Next: …".
func unscoredLines(scores []scoring.Score, n int) []string {
	type group struct {
		count int
		words string
	}
	var groups []*group
	byKey := map[string]*group{}
	for _, s := range scores {
		u := s.Unscored
		if s.HasScore() || u == nil {
			continue
		}
		key := strings.Join(u.Missing, ",") + "|" + strings.Join(u.TooOld, ",") + "|" + strings.Join(u.Waiting, ",") + "|" + u.Next
		g, ok := byKey[key]
		if !ok {
			g = &group{words: u.Words()}
			byKey[key] = g
			groups = append(groups, g)
		}
		g.count++
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return cmp.Compare(b.count, a.count) })
	var out []string
	for i, g := range groups {
		if i == n {
			out = append(out, fmt.Sprintf("… and %d more kinds of gap", len(groups)-n))
			break
		}
		what := "accounts"
		if g.count == 1 {
			what = "account"
		}
		out = append(out, fmt.Sprintf("%d %s — %s", g.count, what, g.words))
	}
	return out
}

// bandLine is "12 green · 7 yellow · 3 red · 1 not enough data".
func bandLine(counts map[scoring.Band]int) string {
	parts := make([]string, 0, 4)
	for _, b := range scoring.BandOrder() {
		if n := counts[b]; n > 0 || b != scoring.BandNone {
			parts = append(parts, fmt.Sprintf("%d %s", n, app.BandName(b)))
		}
	}
	return strings.Join(parts, " · ")
}

// dryRunScore scores day with the current scorecards and with the new ones,
// writes nothing, and lists the accounts whose band would change.
func dryRunScore(ctx context.Context, w io.Writer, st *store.Store, day time.Time,
	current scoring.Scorecards, currentSrc string, next scoring.Scorecards, nextSrc string) error {
	oldScores, accounts, err := app.ComputeScores(ctx, st, current, day)
	if err != nil {
		return err
	}
	newScores, _, err := app.ComputeScores(ctx, st, next, day)
	if err != nil {
		return err
	}
	changes := app.BandChanges(accounts, oldScores, newScores)
	fmt.Fprintf(w, "Dry run for %s: nothing was written.\n", day.Format(time.DateOnly))
	fmt.Fprintf(w, "  current  %-40s %s\n", currentSrc, bandLine(app.BandCounts(oldScores)))
	fmt.Fprintf(w, "  new      %-40s %s\n", nextSrc, bandLine(app.BandCounts(newScores)))
	if len(changes) == 0 {
		fmt.Fprintf(w, "No account would change band (%d accounts scored).\n", len(newScores))
		return nil
	}
	fmt.Fprintf(w, "%d of %d accounts would change band:\n\n", len(changes), len(newScores))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ACCOUNT\tSEGMENT\tOLD SCORE\tOLD BAND\tNEW SCORE\tNEW BAND\tCHANGE")
	for _, c := range changes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Account.Name, c.Account.Segment,
			app.ScoreText(c.Old), app.BandName(c.Old.Band), app.ScoreText(c.New), app.BandName(c.New.Band), deltaText(c.Old, c.New))
	}
	return tw.Flush()
}

func deltaText(o, n scoring.Score) string {
	if !o.HasScore() || !n.HasScore() {
		return ""
	}
	return fmt.Sprintf("%+.1f", n.Value-o.Value)
}
