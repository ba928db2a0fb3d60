package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/bot/health"
	"github.com/healthbot/healthbot/bot/timeline"
	"github.com/healthbot/healthbot/scoring"
)

// demoHistoryWeeks is how many weekly scores the demo backfills before its
// as-of day, so cards show a trend and 7/28-day deltas without scoring
// every day.
const demoHistoryWeeks = 12

// scoring is the demo's scoring section: it scores the portfolio (weekly
// history and the last day), shows the card of one red and one green
// account, the band distribution and the backtest summary.
func (r demoReport) scoring(ctx context.Context) error {
	ww := &wrapWriter{w: r.w, width: reportWidth}
	defer ww.Close()
	r.w = ww
	cards := scoring.DefaultScorecards()
	last := r.asOf.AddDate(0, 0, -1) // the history runs through the day before as-of
	r.heading("Health scores (built-in scorecards)")
	start := time.Now()
	var sum app.ScoreSummary
	for w := demoHistoryWeeks; w >= 0; w-- {
		var err error
		if sum, err = app.RunScoring(ctx, r.st, cards, last.AddDate(0, 0, -7*w)); err != nil {
			return err
		}
	}
	fmt.Fprintf(r.w, "  Scored %d live accounts on %s, with weekly history back to %s (%.1fs).\n", len(sum.Scores),
		last.Format(time.DateOnly), last.AddDate(0, 0, -7*demoHistoryWeeks).Format(time.DateOnly), time.Since(start).Seconds())
	r.bandDistribution(sum)
	if err := r.cards(ctx, sum, last); err != nil {
		return err
	}
	return r.backtestSummary(ctx, cards, sum)
}

func (r demoReport) bandDistribution(sum app.ScoreSummary) {
	total := len(sum.Scores)
	fmt.Fprintln(r.w)
	for _, b := range scoring.BandOrder() {
		n := sum.Bands[b]
		if n == 0 && b == scoring.BandNone {
			continue
		}
		share := 0.0
		if total > 0 {
			share = float64(n) / float64(total)
		}
		fmt.Fprintf(r.w, "  %-16s %5d  %5.1f%%  %s\n", app.BandName(b), n, 100*share, bar(share, 40))
	}
}

func bar(share float64, width int) string {
	n := int(share*float64(width) + 0.5)
	out := make([]rune, n)
	for i := range out {
		out[i] = '█'
	}
	return string(out)
}

// cards prints, as the console would show them, the card of the largest
// red account and of the largest green one.
func (r demoReport) cards(ctx context.Context, sum app.ScoreSummary, last time.Time) error {
	accounts, err := r.st.Accounts(ctx)
	if err != nil {
		return err
	}
	mrr := make(map[int64]float64, len(accounts))
	for _, a := range accounts {
		mrr[a.ID] = a.MRR
	}
	h := health.NewHealth(r.st, slog.New(slog.DiscardHandler), func() time.Time { return app.ScoreTime(last) })
	h.TextCharts = true
	h.TextTables = true // printed as text, like the console
	h.Timeline = timeline.NewTimeline(r.st, nil, nil, func() time.Time { return app.ScoreTime(last) })
	for _, band := range []scoring.Band{scoring.BandRed, scoring.BandGreen} {
		id, ok := largestIn(sum.Scores, band, mrr)
		if !ok {
			continue
		}
		r.heading(fmt.Sprintf("Card of the largest %s account", band))
		msg, err := h.CardMessage(ctx, id, "")
		if err != nil {
			return err
		}
		if err := r.render(msg.Blocks); err != nil {
			return err
		}
	}
	return nil
}

func largestIn(scores []scoring.Score, band scoring.Band, mrr map[int64]float64) (int64, bool) {
	var in []scoring.Score
	for _, s := range scores {
		if s.Band == band {
			in = append(in, s)
		}
	}
	if len(in) == 0 {
		return 0, false
	}
	best := slices.MaxFunc(in, func(a, b scoring.Score) int {
		return cmp.Or(cmp.Compare(mrr[a.AccountID], mrr[b.AccountID]), cmp.Compare(b.AccountID, a.AccountID))
	})
	return best.AccountID, true
}

// backtestSummary runs the backtest over the demo history (writing nothing)
// and prints its headline numbers.
func (r demoReport) backtestSummary(ctx context.Context, cards scoring.Scorecards, last app.ScoreSummary) error {
	r.heading("Does the score predict churn? (healthbot backtest)")
	res, err := Backtest(ctx, r.st, cards, 90, time.Time{}, time.Time{}, scoring.SplitAuto)
	if err != nil {
		fmt.Fprintf(r.w, "  No backtest: %v\n", err)
		return nil
	}
	fmt.Fprintf(r.w, "  %d month-ends %s … %s, churn within %d days: %d scored examples of %d accounts, %d churned.\n",
		len(res.AsOfDates), res.AsOfDates[0], res.AsOfDates[len(res.AsOfDates)-1], res.HorizonDays, res.N, res.NAccounts, res.NChurned)
	fmt.Fprintf(r.w, "  %s\n", res.Verdict)
	fmt.Fprintf(r.w, "  Red band: %.0f%% of red accounts churned (precision), %.0f%% of churners were red (recall).\n",
		100*res.RedPrecision, 100*res.RedRecall)
	fmt.Fprintf(r.w, "  Control with shuffled labels: AUC %.2f (95%% CI %.2f–%.2f), as a score without signal should be.\n",
		res.Shuffled.AUC, res.Shuffled.AUCCI[0], res.Shuffled.AUCCI[1])
	if res.Fit.Err == "" {
		fmt.Fprintf(r.w, "  Fitted weights, held out (%s): AUC %.2f against %.2f for the current weights.\n",
			res.Fit.SplitNote, res.AUCFitted, res.AUCHeldOut)
	}
	fmt.Fprintln(r.w, "  Run `healthbot backtest` for the full report and a suggested scorecard file.")
	return r.calibrationSummary(ctx, app.InForce{Cards: cards, Source: "built-in defaults"}, res, last, r.asOf.AddDate(0, 0, -1)) // demo_calibrate.go
}

// wrapWriter prefixes every line written through it with indent and wraps
// lines longer than width at spaces (continuations indented further), so
// the section fits the report's width.
type wrapWriter struct {
	w      io.Writer
	width  int
	indent string
	line   []byte
}

func (ww *wrapWriter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c != '\n' {
			ww.line = append(ww.line, c)
			continue
		}
		if err := ww.flushLine(); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

// Close writes a last unterminated line.
func (ww *wrapWriter) Close() error {
	if len(ww.line) == 0 {
		return nil
	}
	return ww.flushLine()
}

func (ww *wrapWriter) flushLine() error {
	line := strings.TrimRight(string(ww.line), " ")
	ww.line = ww.line[:0]
	body := strings.TrimLeft(line, " ")
	prefix := ww.indent + line[:len(line)-len(body)]
	more := prefix + "    "
	line = body
	var b strings.Builder
	for {
		room := ww.width - len([]rune(prefix))
		r := []rune(line)
		if len(r) <= room {
			b.WriteString(prefix + line + "\n")
			break
		}
		cut := strings.LastIndex(string(r[:room]), " ")
		if cut <= 0 {
			cut = len(string(r[:room]))
		}
		b.WriteString(prefix + strings.TrimRight(line[:cut], " ") + "\n")
		line = strings.TrimLeft(line[cut:], " ")
		prefix = more
	}
	_, err := io.WriteString(ww.w, b.String())
	return err
}
