package bot

import (
	"context"
	"math"
	"time"

	"github.com/healthbot/healthbot/app"
	"github.com/healthbot/healthbot/scoring"
)

// alertWorld is everything one alert run knows, read in a few set-based
// queries for the whole portfolio.
type alertWorld struct {
	day      time.Time // the scored day
	at       time.Time // app.ScoreTime(day): the instant the scores describe
	accounts []scoring.Account
	byID     map[int64]scoring.Account
	alive    int
	today    map[int64]scoring.Score
	history  map[int64][]scoring.Score
	features scoring.FeatureSet
	pulses   map[int64]scoring.Pulse
	interest map[int64][]string
	alerts   map[int64][]scoring.Alert
	redLine  map[string]float64 // scorecard name → red threshold
}

// Windows of the run's reads.
const (
	minAlertHistoryDays = 30  // scores before the day the rules may compare with
	interestDays        = 28  // module-interest signals that count
	pulseLookbackDays   = 365 // the newest pulse within this long, so an old Poor pulse still resolves its alert
)

func (a *Alerts) gather(ctx context.Context, day, now time.Time) (*alertWorld, error) {
	w := &alertWorld{day: day, at: app.ScoreTime(day)}
	var err error
	if w.accounts, err = a.store.Accounts(ctx); err != nil {
		return nil, err
	}
	w.byID = make(map[int64]scoring.Account, len(w.accounts))
	for _, acct := range w.accounts {
		w.byID[acct.ID] = acct
		if acct.AliveAt(w.at) {
			w.alive++
		}
	}
	today, err := a.store.ScoresAt(ctx, day)
	if err != nil {
		return nil, err
	}
	w.today = make(map[int64]scoring.Score, len(today))
	for _, s := range today {
		w.today[s.AccountID] = s
	}
	if w.history, err = a.store.ScoresBetween(ctx, day.AddDate(0, 0, -a.historyDays()), day.AddDate(0, 0, -1)); err != nil {
		return nil, err
	}
	if w.features, err = a.store.Features(ctx, w.at, scoring.AlertMetrics()); err != nil {
		return nil, err
	}
	if w.pulses, err = a.store.LatestPulses(ctx, w.at.AddDate(0, 0, -pulseLookbackDays), w.at); err != nil {
		return nil, err
	}
	if w.interest, err = a.store.ModuleInterest(ctx, w.at.AddDate(0, 0, -interestDays), w.at); err != nil {
		return nil, err
	}
	if w.alerts, err = a.store.AlertsForEvaluation(ctx, now.Add(-a.maxCooldown())); err != nil {
		return nil, err
	}
	w.redLine = redLines(a.cards, today)
	return w, nil
}

// input is one account's AlertInput.
func (w *alertWorld) input(acct scoring.Account, cards scoring.Scorecards, now time.Time) scoring.AlertInput {
	card := cards.For(acct)
	in := scoring.AlertInput{
		Now: now, Account: acct, Score: w.today[acct.ID], History: w.history[acct.ID], Features: w.features[acct.ID],
		ModuleInterest: w.interest[acct.ID], Alerts: w.alerts[acct.ID], RedBelow: w.redLine[card.Name], Rules: rulesOf(card),
	}
	if p, ok := w.pulses[acct.ID]; ok {
		in.LatestPulse = &p
	}
	return in
}

// rulesOf is a scorecard's alert thresholds, the defaults if it has none.
func rulesOf(c scoring.Scorecard) scoring.AlertRules {
	if c.Alerts.TrendDropDays == 0 {
		return scoring.DefaultAlertRules()
	}
	return c.Alerts
}

// historyDays covers the longest trend window of any scorecard, plus the
// few days' slack the trend rule allows for a missing day.
func (a *Alerts) historyDays() int {
	n := minAlertHistoryDays
	for _, c := range a.cards.All() {
		n = max(n, rulesOf(c).TrendDropDays+7)
	}
	return n
}

// maxCooldown is the longest cooldown of any rule of any scorecard: alerts
// resolved longer ago than that cannot hold a rule back.
func (a *Alerts) maxCooldown() time.Duration {
	days := 0
	for _, c := range a.cards.All() {
		for _, d := range rulesOf(c).CooldownDays {
			days = max(days, d)
		}
	}
	return time.Duration(days+1) * 24 * time.Hour
}

// redLines gives each scorecard's red threshold: the yellow line of fixed
// bands; for quartile bands, the lowest score the day did not band red.
func redLines(cards scoring.Scorecards, today []scoring.Score) map[string]float64 {
	out := map[string]float64{}
	lowest := map[string]float64{}
	for _, s := range today {
		if s.HasScore() && s.Band != scoring.BandRed {
			if v, ok := lowest[s.Scorecard]; !ok || s.Value < v {
				lowest[s.Scorecard] = s.Value
			}
		}
	}
	for _, c := range cards.All() {
		line := c.Bands.Yellow
		if line <= 0 {
			line = scoring.DefaultBands().Yellow
		}
		if c.Bands.Mode == scoring.BandsQuartiles {
			if v, ok := lowest[c.Name]; ok {
				line = math.Max(v, 0)
			}
		}
		out[c.Name] = line
	}
	return out
}
